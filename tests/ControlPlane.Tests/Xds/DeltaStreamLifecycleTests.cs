using ControlPlane.Snapshots;
using Envoy.Service.Endpoint.V3;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static ControlPlane.Tests.Xds.DeltaAdsStreamTests;
using static ControlPlane.Tests.Xds.XdsTestSnapshots;

namespace ControlPlane.Tests.Xds;

public sealed class DeltaStreamLifecycleTests
{
    // Far more than HTTP/2's default flow-control window (64 KiB), so a client that stops reading
    // soon blocks the server's writes to it.
    private const int PaddingBytes = 512 * 1024;

    [Fact]
    public async Task Publish_DeltaClientStopsReading_OtherStreamsStillServed()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [PaddedCluster(1)]);
        using var stalledChannel = server.Server.CreateXdsChannel();
        using var stalled = server.OpenDeltaAds("stalled", stalledChannel);
        using var active = server.OpenDeltaAds("active");
        await stalled.SubscribeAsync(TypeUrls.Cluster);
        await SubscribeAndReadAsync(active, TypeUrls.Cluster);

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
            received.Add((await active.ReadAsync()).SystemVersionInfo);
        }

        Assert.Contains("5", received);
        var stalledNode = await server.WaitForNodeAsync("stalled", _ => true);
        var stalledVersion = Cds(stalledNode).GetProperty("version_sent");
        Assert.NotEqual("5", stalledVersion.ToString());
    }

    [Fact]
    public async Task DeltaAggregatedResources_ServerStops_StreamEndsUnavailable()
    {
        var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web")]);
        using var client = server.OpenDeltaAds();
        await SubscribeAndReadAsync(client, TypeUrls.Cluster);

        var stopping = server.Server.DisposeAsync().AsTask();
        var error = await Assert.ThrowsAsync<RpcException>(client.ReadAsync);
        await stopping.WaitAsync(XdsTestClient.Timeout);

        Assert.True(error.Status.Detail.Contains("shutting down"), error.Status.Detail + " " + error.Status.DebugException);
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        server.Channel.Dispose();
    }

    [Fact]
    public async Task DeltaEndpoints_NamedSubscription_ServedOnPerTypeService()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, endpoints: [Endpoints("a", 8081), Endpoints("b", 8082)]);
        var call = new EndpointDiscoveryService.EndpointDiscoveryServiceClient(server.Channel).DeltaEndpoints();
        using var client = new DeltaTestClient(call, "per-type");

        // A per-type service may leave type_url empty: the service names the type.
        await client.SubscribeAsync("", "b");
        var response = await client.ReadAsync();

        Assert.Equal(TypeUrls.Endpoint, response.TypeUrl);
        Assert.Equal(["b"], Names(response));
    }

    [Fact]
    public async Task DeltaEndpoints_OtherTypeUrl_InvalidArgument()
    {
        await using var server = await XdsTestServer.StartAsync();
        var call = new EndpointDiscoveryService.EndpointDiscoveryServiceClient(server.Channel).DeltaEndpoints();
        using var client = new DeltaTestClient(call, "per-type");

        await client.SubscribeAsync(TypeUrls.Cluster);
        var error = await Assert.ThrowsAsync<RpcException>(client.ReadAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(TypeUrls.Endpoint, error.Status.Detail);
    }

    [Fact]
    public async Task DeltaAggregatedResources_ClientCloses_LeavesNoWatcherOrNode()
    {
        await using var server = await XdsTestServer.StartAsync();
        var registry = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<ControlPlane.Xds.NodeRegistry>(server.Server.Services);
        using (var client = server.OpenDeltaAds())
        {
            await SubscribeAndReadAsync(client, TypeUrls.Cluster);
            await client.CompleteAsync();
        }

        using var timeout = new CancellationTokenSource(XdsTestClient.Timeout);
        while (server.Cache.WatcherCount > 0 || registry.NodeCount > 0)
        {
            await Task.Delay(20, timeout.Token);
        }

        Assert.Equal(0, server.Cache.WatcherCount);
        Assert.Equal(0, registry.NodeCount);
    }

    private static Envoy.Config.Cluster.V3.Cluster PaddedCluster(int version)
    {
        var cluster = EdsCluster("web");
        var padding = new Struct();
        padding.Fields["padding"] = Value.ForString(new string((char)('a' + version), PaddingBytes));
        cluster.Metadata = new Envoy.Config.Core.V3.Metadata { FilterMetadata = { ["test"] = padding } };
        return cluster;
    }
}
