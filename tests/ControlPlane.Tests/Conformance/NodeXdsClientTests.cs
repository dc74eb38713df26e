using System.Text.Json;
using Envoy.Config.Cluster.V3;
using Tests.Shared;

namespace ControlPlane.Tests.Conformance;

/// <summary>
/// Runs gRPC's proxyless xDS client for Node (@grpc/grpc-js-xds) against a real control plane,
/// so that an xDS client written by someone else checks the resources and the protocol.
/// </summary>
public sealed class NodeXdsClientTests
{
    private static readonly TimeSpan ConvergeTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Calls_PriorityZeroReachable_AllReachBackendA()
    {
        await using var rig = await ConformanceRig.StartAsync();
        await using var client = rig.StartClient();

        await client.WaitForBackendAsync("a", count: 3, ConvergeTimeout);
        var next = await client.NextAsync(10, TimeSpan.FromSeconds(30));

        Assert.All(next, result => Assert.True(result.Ok, result.ToString()));
        Assert.All(next, result => Assert.Equal("a", result.Backend));
    }

    [Fact]
    public async Task Calls_PrioritiesSwapped_MoveToBackendB()
    {
        await using var rig = await ConformanceRig.StartAsync();
        await using var client = rig.StartClient();
        await client.WaitForBackendAsync("a", count: 3, ConvergeTimeout);

        await rig.Api.PutAsync(
            $"/api/v1/clusters/{ConformanceResources.ClusterName}/endpoints",
            ConformanceResources.Endpoints((rig.B, 0), (rig.A, 1)));
        await client.WaitForBackendAsync("b", count: 3, ConvergeTimeout);
        var next = await client.NextAsync(10, TimeSpan.FromSeconds(30));

        Assert.All(next, result => Assert.True(result.Ok, result.ToString()));
        Assert.All(next, result => Assert.Equal("b", result.Backend));
    }

    [Fact]
    public async Task Calls_BackendAMovedOut_MoveToBackendB()
    {
        await using var rig = await ConformanceRig.StartAsync();
        await using var client = rig.StartClient();
        await client.WaitForBackendAsync("a", count: 3, ConvergeTimeout);

        await rig.Api.PutAsync(
            $"/api/v1/clusters/{ConformanceResources.ClusterName}/endpoints",
            ConformanceResources.Endpoints((rig.B, 0)));
        await client.WaitForBackendAsync("b", count: 3, ConvergeTimeout);
        var next = await client.NextAsync(10, TimeSpan.FromSeconds(30));

        Assert.All(next, result => Assert.Equal("b", result.Backend));
    }

    [Fact]
    public async Task Nodes_RejectedCluster_ShowsNack()
    {
        await using var rig = await ConformanceRig.StartAsync();
        await using var client = rig.StartClient();
        await client.WaitForBackendAsync("a", count: 3, ConvergeTimeout);

        // Envoy supports LEAST_REQUEST, so the control plane accepts it. gRPC's xDS client (1.14.1)
        // supports only ROUND_ROBIN and RING_HASH through lb_policy, so it rejects the cluster.
        await rig.Api.PutAsync(
            $"/api/v1/clusters/{ConformanceResources.ClusterName}",
            ConformanceResources.EdsCluster(Cluster.Types.LbPolicy.LeastRequest));
        var nack = await WaitForCdsNackAsync(rig.Api, NodeXdsClient.NodeId, ConvergeTimeout);
        var next = await client.NextAsync(5, TimeSpan.FromSeconds(30));

        Assert.Contains("LEAST_REQUEST", nack.GetProperty("message").GetString());
        Assert.NotEqual("", nack.GetProperty("version").ToString());
        Assert.All(next, result => Assert.Equal("a", result.Backend));
    }

    [Fact]
    public async Task Client_NoControlPlane_CallsFailWithDeadline()
    {
        // Nothing listens on this port, so the client never resolves the target.
        var unusedPort = LoopbackPorts.GetFree();
        await using var client = NodeXdsClient.Start(unusedPort, ConformanceResources.ServiceName);

        var results = await client.NextAsync(2, TimeSpan.FromSeconds(30));

        Assert.All(results, result => Assert.False(result.Ok));
        Assert.All(results, result => Assert.Equal(4, result.Code));
    }

    // Polls GET /api/v1/nodes until the node's CDS entry has a last_nack; returns that last_nack.
    private static async Task<JsonElement> WaitForCdsNackAsync(OperatorApiClient api, string nodeId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var lastBody = "";
        while (DateTime.UtcNow < deadline)
        {
            using var nodes = await api.GetNodesAsync();
            lastBody = nodes.RootElement.GetRawText();
            foreach (var node in nodes.RootElement.EnumerateArray())
            {
                if (node.TryGetProperty("id", out var id) && id.GetString() == nodeId
                    && node.TryGetProperty("types", out var types)
                    && types.TryGetProperty("cds", out var cds)
                    && cds.TryGetProperty("last_nack", out var nack)
                    && nack.ValueKind == JsonValueKind.Object)
                {
                    return nack.Clone();
                }
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"no CDS NACK from node {nodeId} within {timeout}; last /api/v1/nodes: {lastBody}");
    }
}
