using System.Runtime.InteropServices;
using ControlPlaneBench;
using ControlPlaneBench.Runs;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

var errors = new List<string>();
var options = BenchOptions.Parse(args, errors);
if (options is null)
{
    errors.ForEach(error => Console.Error.WriteLine($"bench: {error}"));
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

// A control plane must not outlive the benchmark, whichever way it ends.
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => ControlPlaneProcess.KillAll());
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => ControlPlaneProcess.KillAll());

using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
var results = new ControlPlaneResults(Machine.Describe(), DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"), [], null);
Console.WriteLine($"bench: {results.Machine}");

var deltaServed = true;
foreach (var mode in options.Modes)
{
    foreach (var nodes in options.NodeCounts)
    {
        if (mode == "delta" && !deltaServed)
        {
            break;
        }

        Console.WriteLine($"bench: {mode}, {nodes} nodes");
        try
        {
            results.Runs.Add(await new PushRun(options, http).RunAsync(mode, nodes));
            results.Write(options.OutputPath);
        }
        catch (BenchException exception)
        {
            Console.WriteLine($"bench:   {mode}, {nodes} nodes: not run: {exception.Message}");
            deltaServed &= mode != "delta" || !exception.Message.Contains("no node became ready", StringComparison.Ordinal);
        }
    }
}

if (!deltaServed)
{
    Console.WriteLine("bench: delta: not run (the control plane served no delta stream; see the errors above)");
}

if (!options.SkipChurn)
{
    Console.WriteLine($"bench: churn, {options.ChurnClusters} clusters, {options.ChurnNodes} nodes");
    try
    {
        results = results with { Churn = await new ChurnRun(options, http).RunAsync(deltaServed && options.Modes.Contains("delta")) };
    }
    catch (BenchException exception)
    {
        Console.WriteLine($"bench:   churn: not run: {exception.Message}");
    }
}

results.Write(options.OutputPath);
Console.WriteLine($"bench: wrote {options.OutputPath}");
return 0;
