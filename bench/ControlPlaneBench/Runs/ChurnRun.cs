using ControlPlaneBench.Nodes;

namespace ControlPlaneBench.Runs;

/// <summary>
/// A large config (by default 10,000 EDS clusters) and a few nodes. After one cluster's endpoint
/// changes, the run counts the serialized bytes and resources each node receives, SotW vs delta.
/// </summary>
internal sealed class ChurnRun(BenchOptions options, HttpClient http)
{
    // After every node has ACKed the change, responses that arrive within this time still count.
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(2);

    public async Task<ChurnResult> RunAsync(bool withDelta)
    {
        await using var controlPlane = await ControlPlaneProcess.StartAsync(options.ControlPlaneDir, http);
        var api = new OperatorApi(controlPlane, http);
        await api.LoadConfigAsync(options.ChurnClusters);
        Say($"loaded {options.ChurnClusters} clusters");

        var sotw = await MeasureAsync("sotw", controlPlane, api, push: 1);
        ChurnFigures? delta = null;
        if (withDelta)
        {
            delta = await MeasureAsync("delta", controlPlane, api, push: 2);
        }

        return new ChurnResult(options.ChurnClusters, options.ChurnNodes, sotw, delta);
    }

    private async Task<ChurnFigures> MeasureAsync(string mode, ControlPlaneProcess controlPlane, OperatorApi api, int push)
    {
        await using var fleet = new NodeFleet(mode, controlPlane.XdsPort);
        var ready = await fleet.ConnectAsync(options.ChurnNodes, options.ConnectConcurrency, options.ConnectTimeout);
        if (ready == 0)
        {
            throw new BenchException($"churn, {mode}: no node became ready; the control plane's last output:\n{controlPlane.LogTail()}");
        }

        var nodes = fleet.Nodes.Where(node => node.Ready.IsCompletedSuccessfully).ToList();
        var bytesBefore = nodes.Sum(node => node.Counters.BytesReceived);
        var resourcesBefore = nodes.Sum(node => node.Counters.ResourcesReceived);

        fleet.Tracker.Start(push);
        await api.PushEndpointAsync(40_000 + push);
        var acked = await fleet.WaitForAcksAsync(push, options.PushTimeout);
        await Task.Delay(Linger);

        var figures = new ChurnFigures(
            (nodes.Sum(node => node.Counters.BytesReceived) - bytesBefore) / (double)nodes.Count,
            (nodes.Sum(node => node.Counters.ResourcesReceived) - resourcesBefore) / (double)nodes.Count);
        Say($"churn, {mode}: {acked} of {nodes.Count} nodes ACKed; per node {figures.BytesPerNode:F0} bytes, {figures.ResourcesPerNode:F1} resources");
        return figures;
    }

    private static void Say(string message) => Console.WriteLine($"bench:   {message}");
}
