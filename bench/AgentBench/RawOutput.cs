using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentBench;

/// <summary>Reads the files bench/agent/run.sh leaves in its raw output folder.</summary>
internal static partial class RawOutput
{
    public static IReadOnlyList<RedisResult> ReadRedis(string folder, List<string> problems)
    {
        var results = new List<RedisResult>();
        foreach (var path in Directory.GetFiles(folder, "redis-*.csv").Order(StringComparer.Ordinal))
        {
            var name = RedisFileName().Match(Path.GetFileName(path));
            if (!name.Success)
            {
                problems.Add($"{path}: name is not redis-TARGET-pPIPELINE.csv, skipped");
                continue;
            }

            var pipeline = int.Parse(name.Groups[2].Value, CultureInfo.InvariantCulture);
            var (rows, errors) = RedisBenchmarkCsv.Parse(File.ReadAllText(path), name.Groups[1].Value, pipeline);
            results.AddRange(rows);
            problems.AddRange(errors.Select(error => $"{path}: {error}"));
        }

        return results;
    }

    public static IReadOnlyList<HttpResult> ReadHttp(string folder, List<string> problems)
    {
        var results = new List<HttpResult>();
        foreach (var path in Directory.GetFiles(folder, "http-*.txt").Order(StringComparer.Ordinal))
        {
            var target = Path.GetFileNameWithoutExtension(path)["http-".Length..];
            var (result, errors) = WrkOutput.Parse(File.ReadAllText(path), target);
            if (result is not null)
            {
                results.Add(result);
            }

            problems.AddRange(errors.Select(error => $"{path}: {error}"));
        }

        return results;
    }

    public static AgentMemory ReadMemory(string folder, List<string> problems) =>
        new(ReadBytes(Path.Combine(folder, "rss-idle.txt"), problems),
            ReadBytes(Path.Combine(folder, "rss-peak.txt"), problems));

    private static long ReadBytes(string path, List<string> problems)
    {
        if (File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture, out var bytes))
        {
            return bytes;
        }

        problems.Add($"{path}: missing or not a byte count, written as 0");
        return 0;
    }

    [GeneratedRegex(@"^redis-([a-z]+)-p([0-9]+)\.csv$")]
    private static partial Regex RedisFileName();
}
