namespace ControlPlaneBench;

/// <summary>The command line of the benchmark. Every duration is a bound on one phase.</summary>
internal sealed class BenchOptions
{
    /// <summary>The folder that holds <c>ControlPlane.dll</c> (src/ControlPlane's Release output).</summary>
    public required string ControlPlaneDir { get; init; }

    public required string OutputPath { get; init; }

    public IReadOnlyList<int> NodeCounts { get; init; } = [1_000, 5_000, 10_000];

    public IReadOnlyList<string> Modes { get; init; } = ["sotw", "delta"];

    public int Pushes { get; init; } = 5;

    /// <summary>How many nodes may be connecting at once.</summary>
    public int ConnectConcurrency { get; init; } = 50;

    public int ChurnClusters { get; init; } = 10_000;

    public int ChurnNodes { get; init; } = 100;

    public bool SkipChurn { get; init; }

    /// <summary>Time allowed for all nodes of a run to connect and ACK their first responses.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A pause after the connected sample, before the pushes, during which the control plane's pid
    /// is printed, so that a profiler (dotnet-gcdump, dotnet-trace) can attach to it.
    /// </summary>
    public TimeSpan PauseAfterConnect { get; init; } = TimeSpan.Zero;

    /// <summary>Time allowed for every node to ACK one push.</summary>
    public TimeSpan PushTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public const string Usage = """
        usage: ControlPlaneBench --control-plane DIR --output FILE [options]
          --control-plane DIR     folder with ControlPlane.dll (Release build of src/ControlPlane)
          --output FILE           where to write the JSON results
          --nodes 1000,5000       node counts to run (default 1000,5000,10000)
          --modes sotw,delta      protocols to run (default sotw,delta)
          --pushes N              endpoint changes per run (default 5)
          --connect-concurrency N nodes connecting at once (default 50)
          --churn-clusters N      clusters in the churn config (default 10000)
          --churn-nodes N         nodes in the churn run (default 100)
          --no-churn              skip the churn run
          --connect-timeout S     seconds allowed for all nodes to connect (default 300)
          --push-timeout S        seconds allowed for all nodes to ACK one push (default 60)
          --pause-after-connect S seconds to wait with all nodes connected before the pushes,
                                  for attaching a profiler to the printed pid (default 0)
        """;

    /// <summary>Parses the arguments, or returns null and writes every problem to <paramref name="errors"/>.</summary>
    public static BenchOptions? Parse(string[] args, List<string> errors)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var skipChurn = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--no-churn")
            {
                skipChurn = true;
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                values[args[i]] = args[++i];
            }
            else
            {
                errors.Add($"unknown or incomplete argument '{args[i]}'");
            }
        }

        var options = new BenchOptions
        {
            ControlPlaneDir = Required(values, "--control-plane", errors),
            OutputPath = Required(values, "--output", errors),
            NodeCounts = IntList(values, "--nodes", errors) ?? [1_000, 5_000, 10_000],
            Modes = ModeList(values, errors) ?? ["sotw", "delta"],
            Pushes = Int(values, "--pushes", 5, errors),
            ConnectConcurrency = Int(values, "--connect-concurrency", 50, errors),
            ChurnClusters = Int(values, "--churn-clusters", 10_000, errors),
            ChurnNodes = Int(values, "--churn-nodes", 100, errors),
            SkipChurn = skipChurn,
            ConnectTimeout = TimeSpan.FromSeconds(Int(values, "--connect-timeout", 300, errors)),
            PushTimeout = TimeSpan.FromSeconds(Int(values, "--push-timeout", 60, errors)),
            PauseAfterConnect = TimeSpan.FromSeconds(Int(values, "--pause-after-connect", 0, errors, allowZero: true)),
        };

        var known = new[]
        {
            "--control-plane", "--output", "--nodes", "--modes", "--pushes", "--connect-concurrency",
            "--churn-clusters", "--churn-nodes", "--connect-timeout", "--push-timeout", "--pause-after-connect",
        };
        errors.AddRange(values.Keys.Except(known).Select(key => $"unknown option '{key}'"));
        return errors.Count == 0 ? options : null;
    }

    private static string Required(Dictionary<string, string> values, string key, List<string> errors)
    {
        if (values.TryGetValue(key, out var value))
        {
            return value;
        }

        errors.Add($"{key} is missing");
        return "";
    }

    private static int Int(Dictionary<string, string> values, string key, int fallback, List<string> errors, bool allowZero = false)
    {
        if (!values.TryGetValue(key, out var text))
        {
            return fallback;
        }

        if (int.TryParse(text, out var value) && (value > 0 || (allowZero && value == 0)))
        {
            return value;
        }

        errors.Add($"{key} must be a {(allowZero ? "non-negative" : "positive")} integer, not '{text}'");
        return fallback;
    }

    private static List<int>? IntList(Dictionary<string, string> values, string key, List<string> errors)
    {
        if (!values.TryGetValue(key, out var text))
        {
            return null;
        }

        var list = new List<int>();
        foreach (var item in text.Split(','))
        {
            if (int.TryParse(item, out var value) && value > 0)
            {
                list.Add(value);
            }
            else
            {
                errors.Add($"{key} must list positive integers separated by commas, not '{text}'");
                return null;
            }
        }

        return list;
    }

    private static List<string>? ModeList(Dictionary<string, string> values, List<string> errors)
    {
        if (!values.TryGetValue("--modes", out var text))
        {
            return null;
        }

        var modes = text.Split(',').ToList();
        var unknown = modes.Where(mode => mode is not ("sotw" or "delta")).ToList();
        if (unknown.Count > 0)
        {
            errors.Add($"--modes takes sotw and delta, not '{string.Join(",", unknown)}'");
            return null;
        }

        return modes;
    }
}
