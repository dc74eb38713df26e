using ControlPlane.Snapshots;
using static ControlPlane.Tests.Xds.DeltaAdsStreamTests;
using static ControlPlane.Tests.Xds.XdsTestSnapshots;

namespace ControlPlane.Tests.Xds;

/// <summary>Delta streams count into the same process-wide xDS metrics, so these tests share the metrics collection.</summary>
[Collection(nameof(XdsMetricsTests))]
public sealed class DeltaMetricsTests
{
    private const string CdsLabel = $"{{type_url=\"{TypeUrls.Cluster}\"}}";

    [Fact]
    public async Task DeltaPushAckThenNack_CountsResponsesAcksAndNacks()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web")]);
        var responsesBefore = await server.ReadMetricAsync("xds_responses_total" + CdsLabel);
        var acksBefore = await server.ReadMetricAsync("xds_acks_total" + CdsLabel);
        var nacksBefore = await server.ReadMetricAsync("xds_nacks_total" + CdsLabel);
        using var client = server.OpenDeltaAds();
        await SubscribeAndReadAsync(client, TypeUrls.Cluster);
        await client.AckAsync(TypeUrls.Cluster);
        await server.WaitForNodeAsync(client.NodeId, n => Cds(n).GetProperty("version_acked").GetString() == "1");

        Publish(server.Cache, 2, clusters: [EdsCluster("web", connectTimeoutSeconds: 2)]);
        await client.ReadAsync();
        await client.NackAsync(TypeUrls.Cluster, "cluster web: connect_timeout too long");
        await server.WaitForNodeAsync(client.NodeId, n => Cds(n).GetProperty("last_nack").ValueKind == System.Text.Json.JsonValueKind.Object);

        Assert.Equal(responsesBefore + 2, await server.ReadMetricAsync("xds_responses_total" + CdsLabel));
        Assert.Equal(acksBefore + 1, await server.ReadMetricAsync("xds_acks_total" + CdsLabel));
        Assert.Equal(nacksBefore + 1, await server.ReadMetricAsync("xds_nacks_total" + CdsLabel));
    }
}
