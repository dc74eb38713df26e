using System.Diagnostics;
using ControlPlaneBench.Nodes;
using HdrHistogram;

namespace ControlPlaneBench.Runs;

/// <summary>
/// One mode at one node count: a fresh control plane with a small config, N nodes connected, then
/// a series of endpoint changes through the operator API, each timed to every node's ACK.
/// </summary>
internal sealed class PushRun(BenchOptions options, HttpClient http)
{
    // Ten EDS clusters, one listener and one route configuration: a small config, so that the
    // figures show the cost of a node and of a push, not of a large snapshot.
    private const int Clusters = 10;

    public async Task<PushRunResult> RunAsync(string mode, int nodes)
    {
        await using var controlPlane = await ControlPlaneProcess.StartAsync(options.ControlPlaneDir, http);
        var api = new OperatorApi(controlPlane, http);
        var metrics = new ControlPlaneMetrics(controlPlane, http);
        await api.LoadConfigAsync(Clusters);
        var baseline = await SettledSampleAsync(controlPlane, metrics);
        Say($"baseline: RSS {baseline.Process.RssBytes / 1e6:F1} MB, managed heap {baseline.Heap.HeapBytes / 1e6:F1} MB");

        await using var fleet = new NodeFleet(mode, controlPlane.XdsPort);
        var connecting = Stopwatch.StartNew();
        var ready = await fleet.ConnectAsync(nodes, options.ConnectConcurrency, options.ConnectTimeout);
        var connectSeconds = connecting.Elapsed.TotalSeconds;
        if (ready == 0)
        {
            throw new BenchException($"no node became ready; the control plane's last output:\n{controlPlane.LogTail()}");
        }

        Say($"{ready} of {nodes} nodes ready in {connectSeconds:F1}s");
        var connected = await SettledSampleAsync(controlPlane, metrics);
        Say($"connected: RSS {connected.Process.RssBytes / 1e6:F1} MB, managed heap {connected.Heap.HeapBytes / 1e6:F1} MB");

        if (options.PauseAfterConnect > TimeSpan.Zero)
        {
            Say($"pausing {options.PauseAfterConnect.TotalSeconds}s; the control plane's pid is {controlPlane.Pid}");
            await Task.Delay(options.PauseAfterConnect);
        }

        var pushes = await PushAsync(controlPlane, api, metrics, fleet, ready);
        return new PushRunResult(
            mode,
            nodes,
            Math.Round(connectSeconds, 3),
            options.Pushes,
            pushes.Latency,
            (connected.Process.RssBytes - baseline.Process.RssBytes) / (double)ready,
            (connected.Heap.HeapBytes - baseline.Heap.HeapBytes) / ready,
            pushes.CpuSecondsPerPush,
            pushes.AllocatedBytesPerPushPerNode,
            pushes.NodesAcked);
    }

    private async Task<PushFigures> PushAsync(
        ControlPlaneProcess controlPlane, OperatorApi api, ControlPlaneMetrics metrics, NodeFleet fleet, int ready)
    {
        var histogram = new LongHistogram(TimeSpan.FromMinutes(10).Ticks / 10, 3); // microseconds
        var scrapeAllocation = await metrics.MeasureScrapeAllocationAsync();
        var cpuBefore = controlPlane.Sample().CpuSeconds;
        var generatorCpuBefore = Environment.CpuUsage.TotalTime;
        var heapBefore = await metrics.ReadAsync();
        var nodesAcked = ready;
        for (var push = 1; push <= options.Pushes; push++)
        {
            fleet.Tracker.Start(push);
            var started = await api.PushEndpointAsync(30_000 + push);
            var acked = await fleet.WaitForAcksAsync(push, options.PushTimeout);
            nodesAcked = Math.Min(nodesAcked, acked);
            foreach (var node in fleet.Nodes.Where(node => node.Counters.LastPushAcked == push))
            {
                histogram.RecordValue((long)Stopwatch.GetElapsedTime(started, node.Counters.PushAckTimestamp).TotalMicroseconds);
            }

            // A short gap, so that one push's tail does not overlap the next push.
            await Task.Delay(200);
        }

        var cpuAfter = controlPlane.Sample().CpuSeconds;
        var generatorCpuPerPush = (Environment.CpuUsage.TotalTime - generatorCpuBefore).TotalSeconds / options.Pushes;
        var heapAfter = await metrics.ReadAsync();
        var latency = new LatencySummary(
            histogram.GetValueAtPercentile(50) / 1000.0,
            histogram.GetValueAtPercentile(99) / 1000.0,
            histogram.GetMaxValue() / 1000.0);
        Say($"{options.Pushes} pushes: ACK p50 {latency.P50:F1} ms, p99 {latency.P99:F1} ms, max {latency.Max:F1} ms; {nodesAcked} nodes ACKed every push");
        Say($"CPU per push: control plane {(cpuAfter - cpuBefore) / options.Pushes:F3} s, load generator {generatorCpuPerPush:F3} s");

        var allocated = heapAfter.AllocatedBytes - heapBefore.AllocatedBytes - scrapeAllocation;
        return new PushFigures(latency, (cpuAfter - cpuBefore) / options.Pushes, allocated / options.Pushes / ready, nodesAcked);
    }

    /// <summary>Lets the control plane settle, forces a full GC and then reads its RSS and heap.</summary>
    private static async Task<(ProcessSample Process, HeapSample Heap)> SettledSampleAsync(
        ControlPlaneProcess controlPlane, ControlPlaneMetrics metrics)
    {
        await Task.Delay(TimeSpan.FromSeconds(3));
        await metrics.ForceGcAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));
        return (controlPlane.Sample(), await metrics.ReadAsync());
    }

    private static void Say(string message) => Console.WriteLine($"bench:   {message}");

    private sealed record PushFigures(LatencySummary Latency, double CpuSecondsPerPush, double AllocatedBytesPerPushPerNode, int NodesAcked);
}
