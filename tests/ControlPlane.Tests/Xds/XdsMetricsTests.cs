using ControlPlane.Snapshots;
using static ControlPlane.Tests.Xds.XdsTestSnapshots;

namespace ControlPlane.Tests.Xds;

/// <summary>
/// The xDS metrics live in prometheus-net's process-wide registry, so these tests run alone: no
/// other stream can move the counters between two reads.
/// </summary>
[CollectionDefinition(nameof(XdsMetricsTests), DisableParallelization = true)]
public sealed class XdsMetricsCollection;

[Collection(nameof(XdsMetricsTests))]
public sealed class XdsMetricsTests
{
    private const string Cds = $"{{type_url=\"{TypeUrls.Cluster}\"}}";

    [Fact]
    public async Task PushThenAck_CountsAcksAndLatency()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web")]);
        var responsesBefore = await server.ReadMetricAsync("xds_responses_total" + Cds);
        var acksBefore = await server.ReadMetricAsync("xds_acks_total" + Cds);
        var changeToAckBefore = await server.ReadMetricAsync("xds_change_to_ack_seconds_count" + Cds);
        var streamsBefore = await server.ReadMetricAsync("xds_connected_streams");
        using var client = server.OpenAds();
        await client.SubscribeAsync(TypeUrls.Cluster);
        await client.ReadAsync();
        await client.AckAsync(TypeUrls.Cluster);
        await WaitForAckedAsync(server, client, "1");

        Publish(server.Cache, 2, clusters: [EdsCluster("web", connectTimeoutSeconds: 2)]);
        await client.ReadAsync();
        await client.AckAsync(TypeUrls.Cluster);
        await WaitForAckedAsync(server, client, "2");

        Assert.Equal(responsesBefore + 2, await server.ReadMetricAsync("xds_responses_total" + Cds));
        Assert.Equal(acksBefore + 2, await server.ReadMetricAsync("xds_acks_total" + Cds));

        // Only the second response pushed a change. The first one responded to the subscription.
        Assert.Equal(changeToAckBefore + 1, await server.ReadMetricAsync("xds_change_to_ack_seconds_count" + Cds));
        Assert.Equal(streamsBefore + 1, await server.ReadMetricAsync("xds_connected_streams"));
    }

    [Fact]
    public async Task Nack_CountsNackNotAck()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web")]);
        var acksBefore = await server.ReadMetricAsync("xds_acks_total" + Cds);
        var nacksBefore = await server.ReadMetricAsync("xds_nacks_total" + Cds);
        using var client = server.OpenAds();
        await client.SubscribeAsync(TypeUrls.Cluster);
        await client.ReadAsync();

        await client.NackAsync(TypeUrls.Cluster, acceptedVersion: "", "rejected for the test");

        await server.WaitForNodeAsync(client.NodeId, n => n.GetProperty("types").GetProperty("cds").GetProperty("last_nack").ValueKind == System.Text.Json.JsonValueKind.Object);
        Assert.Equal(nacksBefore + 1, await server.ReadMetricAsync("xds_nacks_total" + Cds));
        Assert.Equal(acksBefore, await server.ReadMetricAsync("xds_acks_total" + Cds));
    }

    [Fact]
    public async Task StaleNonce_CountedAsIgnored()
    {
        await using var server = await XdsTestServer.StartAsync();
        const string series = "xds_ignored_requests_total{reason=\"stale_nonce\"}";
        var ignoredBefore = await server.ReadMetricAsync(series);
        using var client = server.OpenAds();
        await client.SubscribeAsync(TypeUrls.Cluster);
        await client.ReadAsync();

        await client.SendAsync(new Envoy.Service.Discovery.V3.DiscoveryRequest { TypeUrl = TypeUrls.Cluster, ResponseNonce = "not-sent" });

        await client.ExpectNothingPendingAsync();
        Assert.Equal(ignoredBefore + 1, await server.ReadMetricAsync(series));
    }

    [Fact]
    public async Task MissingNode_CountedAsRejectedCall()
    {
        await using var server = await XdsTestServer.StartAsync();
        const string series = "xds_rejected_calls_total{reason=\"missing_node\"}";
        var rejectedBefore = await server.ReadMetricAsync(series);
        using var call = new Envoy.Service.Discovery.V3.AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(server.Channel)
            .StreamAggregatedResources();

        await call.RequestStream.WriteAsync(new Envoy.Service.Discovery.V3.DiscoveryRequest { TypeUrl = TypeUrls.Cluster }).WaitAsync(XdsTestClient.Timeout);
        await Assert.ThrowsAsync<Grpc.Core.RpcException>(
            () => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(XdsTestClient.Timeout));

        Assert.Equal(rejectedBefore + 1, await server.ReadMetricAsync(series));
    }

    private static Task WaitForAckedAsync(XdsTestServer server, XdsTestClient client, string version) =>
        server.WaitForNodeAsync(client.NodeId, n => n.GetProperty("types").GetProperty("cds").GetProperty("version_acked").GetString() == version);
}
