using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentBench;

/// <summary>
/// Parses what <c>wrk --latency</c> prints: the <c>Requests/sec:</c> line and the 50% and 99% lines of
/// its latency distribution, whose values carry a unit (us, ms, s, m).
/// </summary>
internal static partial class WrkOutput
{
    /// <summary>
    /// Parses one run. The result is null when a figure is missing or when some responses were not
    /// 2xx or 3xx, because such a run measured errors rather than proxying. Socket errors (a few
    /// timeouts under load) are reported as problems but keep the result.
    /// </summary>
    public static (HttpResult? Result, IReadOnlyList<string> Problems) Parse(string text, string target)
    {
        var problems = new List<string>();
        var rps = RequestsPerSecond(text, problems);
        var p50 = Percentile(text, "50", problems);
        var p99 = Percentile(text, "99", problems);

        var socketErrors = SocketErrors().Match(text);
        if (socketErrors.Success)
        {
            problems.Add($"wrk reported '{socketErrors.Value.Trim()}' (the figures are kept)");
        }

        var nonSuccess = NonSuccess().Match(text);
        if (nonSuccess.Success)
        {
            problems.Add($"wrk reported '{nonSuccess.Value.Trim()}', so the run is left out");
            return (null, problems);
        }

        if (rps is null || p50 is null || p99 is null)
        {
            return (null, problems);
        }

        return (new HttpResult(target, rps.Value, p50.Value, p99.Value), problems);
    }

    private static double? RequestsPerSecond(string text, List<string> problems)
    {
        var match = RequestsPerSecondLine().Match(text);
        if (!match.Success)
        {
            problems.Add("no 'Requests/sec:' line");
            return null;
        }

        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static double? Percentile(string text, string percent, List<string> problems)
    {
        var match = Regex.Match(text, $@"^\s*{percent}%\s+([0-9.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline);
        if (!match.Success)
        {
            problems.Add($"no {percent}% line in the latency distribution (was wrk run with --latency?)");
            return null;
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "us" => value / 1000,
            "ms" => value,
            "s" => value * 1000,
            _ => value * 60_000,
        };
    }

    [GeneratedRegex(@"^Requests/sec:\s+([0-9.]+)", RegexOptions.Multiline)]
    private static partial Regex RequestsPerSecondLine();

    [GeneratedRegex(@"^\s*Non-2xx or 3xx responses: \d+\s*$", RegexOptions.Multiline)]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"^\s*Socket errors: .*$", RegexOptions.Multiline)]
    private static partial Regex SocketErrors();
}
