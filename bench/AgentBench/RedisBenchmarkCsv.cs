using System.Globalization;

namespace AgentBench;

/// <summary>
/// Parses the output of <c>redis-benchmark --csv</c> (Redis 7), whose header is
/// <c>"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"</c>.
/// </summary>
internal static class RedisBenchmarkCsv
{
    public static (IReadOnlyList<RedisResult> Rows, IReadOnlyList<string> Errors) Parse(
        string text, string target, int pipeline)
    {
        var rows = new List<RedisResult>();
        var errors = new List<string>();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var header = lines.Length > 0 ? Fields(lines[0]) : [];
        int rps = Array.IndexOf(header, "rps"), p50 = Array.IndexOf(header, "p50_latency_ms");
        int p99 = Array.IndexOf(header, "p99_latency_ms"), test = Array.IndexOf(header, "test");
        if (test < 0 || rps < 0 || p50 < 0 || p99 < 0)
        {
            errors.Add("no CSV header with test, rps, p50_latency_ms and p99_latency_ms (redis-benchmark 7 or later prints it)");
            return (rows, errors);
        }

        foreach (var line in lines.Skip(1))
        {
            var fields = Fields(line);
            if (fields.Length != header.Length
                || !TryNumber(fields[rps], out var opsPerSec)
                || !TryNumber(fields[p50], out var p50Ms)
                || !TryNumber(fields[p99], out var p99Ms))
            {
                errors.Add($"unreadable CSV line '{line}'");
                continue;
            }

            rows.Add(new RedisResult(target, fields[test], pipeline, opsPerSec, p50Ms, p99Ms));
        }

        return (rows, errors);
    }

    private static string[] Fields(string line) =>
        line.Split(',').Select(field => field.Trim().Trim('"')).ToArray();

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}
