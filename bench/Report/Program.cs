using Report;

// Usage: Report [--results DIR]   (default bench/results, relative to the working directory)
// Reads DIR/raw/controlplane.json, DIR/raw/agent.json, DIR/raw/agent-settings.txt and
// DIR/raw/commit.txt, and writes DIR/RESULTS.md and DIR/push-latency.png. A missing JSON file
// makes its part "not run".
var results = "bench/results";
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--results" && i + 1 < args.Length)
    {
        results = args[++i];
    }
    else
    {
        Console.Error.WriteLine($"Report: unknown argument '{args[i]}' (usage: Report [--results DIR])");
        return 2;
    }
}

var raw = Path.Combine(results, "raw");
var controlPlane = RawFile<ControlPlaneResults>.Read(Path.Combine(raw, "controlplane.json"));
var agent = RawFile<AgentResults>.Read(Path.Combine(raw, "agent.json"));
var settingsPath = Path.Combine(raw, "agent-settings.txt");
var settings = File.Exists(settingsPath) ? File.ReadAllLines(settingsPath) : [];
var commitPath = Path.Combine(raw, "commit.txt");
var commit = File.Exists(commitPath) ? File.ReadAllText(commitPath).Trim() : null;

// A chart left from an earlier run would contradict a report that prints "not run", so it is deleted.
const string chartFile = "push-latency.png";
var chartPath = Path.Combine(results, chartFile);
var runs = controlPlane.Content?.Runs ?? [];
if (runs.Count > 0)
{
    PushLatencyChart.Save(runs, chartPath);
}
else
{
    File.Delete(chartPath);
}

var markdown = ResultsPage.Write(controlPlane, agent, settings, commit, runs.Count > 0 ? chartFile : null);
File.WriteAllText(Path.Combine(results, "RESULTS.md"), markdown);
Console.WriteLine($"Report: wrote {Path.Combine(results, "RESULTS.md")}" + (runs.Count > 0 ? $" and {chartPath}" : ""));
Console.WriteLine($"Report: control plane {controlPlane.Missing ?? "read"}; agent {agent.Missing ?? "read"}");
return 0;
