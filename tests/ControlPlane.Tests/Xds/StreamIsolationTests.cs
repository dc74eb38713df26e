using ControlPlane.Snapshots;
using Envoy.Config.Core.V3;
using Google.Protobuf.WellKnownTypes;
using static ControlPlane.Tests.Xds.XdsTestSnapshots;

namespace ControlPlane.Tests.Xds;

public sealed class StreamIsolationTests
{
    // Far more than HTTP/2's default flow-control window (64 KiB), so a client that stops reading
    // soon blocks the server's writes to it.
    private const int PaddingBytes = 512 * 1024;

    [Fact]
    public async Task Publish_ClientStopsReading_OtherStreamsStillServed()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [PaddedCluster(1)]);
        using var stalledChannel = server.Server.CreateXdsChannel();
        using var stalled = server.OpenAds("stalled", stalledChannel);
        using var active = server.OpenAds("active");
        await stalled.SubscribeAsync(TypeUrls.Cluster);
        await active.SubscribeAsync(TypeUrls.Cluster);
        await active.ReadAsync();

        // Publish runs on another thread, so a publish that waited for a stream would time out here.
        for (var version = 2; version <= 5; version++)
        {
            var next = version;
            await Task.Run(() => Publish(server.Cache, next, clusters: [PaddedCluster(next)])).WaitAsync(XdsTestClient.Timeout);
        }

        // The active stream may skip versions that were replaced before it sent them, but it
        // reaches the last one while the stalled stream still has unread responses.
        var received = new List<string>();
        while (!received.Contains("5") && received.Count < 5)
        {
            received.Add((await active.ReadAsync()).VersionInfo);
        }

        Assert.Contains("5", received);
        var stalledNode = await server.WaitForNodeAsync("stalled", _ => true);
        var stalledVersion = stalledNode.GetProperty("types").GetProperty("cds").GetProperty("version_sent");
        Assert.NotEqual("5", stalledVersion.ToString());
    }

    private static Envoy.Config.Cluster.V3.Cluster PaddedCluster(int version)
    {
        var cluster = EdsCluster("web");
        var padding = new Struct();
        padding.Fields["padding"] = Value.ForString(new string((char)('a' + version), PaddingBytes));
        cluster.Metadata = new Metadata { FilterMetadata = { ["test"] = padding } };
        return cluster;
    }
}
