using ControlPlane.Snapshots;
using Envoy.Service.Discovery.V3;
using Grpc.Core;
using static ControlPlane.Tests.Xds.XdsTestSnapshots;

namespace ControlPlane.Tests.Xds;

public sealed class AdsStreamTests
{
    [Fact]
    public async Task StreamAggregatedResources_WildcardRequests_SendFullState()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web"), EdsCluster("primary")], listeners: [Listener("http", 10000)]);
        using var client = server.OpenAds();

        await client.SubscribeAsync(TypeUrls.Cluster);
        var clusters = await client.ReadAsync();
        await client.SubscribeAsync(TypeUrls.Listener, "*");
        var listeners = await client.ReadAsync();

        Assert.Equal(TypeUrls.Cluster, clusters.TypeUrl);
        Assert.Equal("1", clusters.VersionInfo);
        Assert.Equal(["primary", "web"], ClusterNames(clusters).Order());
        Assert.False(string.IsNullOrEmpty(clusters.Nonce));
        Assert.Equal(TypeUrls.Listener, listeners.TypeUrl);
        Assert.Single(listeners.Resources);
        Assert.NotEqual(clusters.Nonce, listeners.Nonce);
    }

    [Fact]
    public async Task StreamAggregatedResources_Ack_DoesNotResend()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web")]);
        using var client = server.OpenAds();
        await client.SubscribeAsync(TypeUrls.Cluster);
        await client.ReadAsync();

        await client.AckAsync(TypeUrls.Cluster);

        await client.ExpectNothingPendingAsync();
        var node = await server.WaitForNodeAsync(client.NodeId, n => n.GetProperty("types").GetProperty("cds").GetProperty("version_acked").GetString() == "1");
        Assert.Equal("1", node.GetProperty("types").GetProperty("cds").GetProperty("version_sent").GetString());
    }

    [Fact]
    public async Task StreamAggregatedResources_Nack_RecordedAndNotResent()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web")]);
        using var client = server.OpenAds();
        await client.SubscribeAsync(TypeUrls.Cluster);
        await client.ReadAsync();
        await client.AckAsync(TypeUrls.Cluster);

        // A push that overtook the ACK would make that ACK stale, so wait until the server has it.
        await server.WaitForNodeAsync(client.NodeId, n => n.GetProperty("types").GetProperty("cds").GetProperty("version_acked").GetString() == "1");
        Publish(server.Cache, 2, clusters: [EdsCluster("web", connectTimeoutSeconds: 2)]);
        var rejected = await client.ReadAsync();
        var before = DateTimeOffset.UtcNow;

        await client.NackAsync(TypeUrls.Cluster, acceptedVersion: "1", "cluster web: connect_timeout too long");

        var node = await server.WaitForNodeAsync(client.NodeId, n => n.GetProperty("types").GetProperty("cds").GetProperty("last_nack").ValueKind == System.Text.Json.JsonValueKind.Object);
        var cds = node.GetProperty("types").GetProperty("cds");
        var nack = cds.GetProperty("last_nack");
        Assert.Equal("2", rejected.VersionInfo);
        Assert.Equal("2", nack.GetProperty("version").GetString());
        Assert.Equal("cluster web: connect_timeout too long", nack.GetProperty("message").GetString());
        Assert.InRange(nack.GetProperty("time").GetDateTimeOffset(), before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal("1", cds.GetProperty("version_acked").GetString());
        Assert.Equal("2", cds.GetProperty("version_sent").GetString());

        await client.ExpectNothingPendingAsync();
        Publish(server.Cache, 3, clusters: [EdsCluster("web", connectTimeoutSeconds: 3)]);
        var next = await client.ReadAsync();
        Assert.Equal(TypeUrls.Cluster, next.TypeUrl);
        Assert.Equal("3", next.VersionInfo);
    }

    [Fact]
    public async Task StreamAggregatedResources_StaleNonce_Ignored()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, endpoints: [Endpoints("a", 8081), Endpoints("b", 8082)]);
        using var client = server.OpenAds();
        await client.SubscribeAsync(TypeUrls.Endpoint, "a");
        var first = await client.ReadAsync();
        Publish(server.Cache, 2, endpoints: [Endpoints("a", 9081), Endpoints("b", 8082)]);
        var second = await client.ReadAsync();

        // Replies to the first response after the second was sent, and requests b too.
        await client.SendAsync(new DiscoveryRequest
        {
            TypeUrl = TypeUrls.Endpoint,
            VersionInfo = first.VersionInfo,
            ResponseNonce = first.Nonce,
            ResourceNames = { "a", "b" },
        });

        await client.ExpectNothingPendingAsync();
        var node = await server.WaitForNodeAsync(client.NodeId, n => n.GetProperty("types").TryGetProperty("lds", out _));
        var eds = node.GetProperty("types").GetProperty("eds");
        Assert.Equal(second.Nonce, eds.GetProperty("nonce").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, eds.GetProperty("version_acked").ValueKind);
    }

    [Fact]
    public async Task StreamAggregatedResources_EndpointsCreatedLater_SentOnCreate()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web")]);
        using var client = server.OpenAds();
        await client.SubscribeAsync(TypeUrls.Endpoint, "web");
        await client.ExpectNothingPendingAsync();

        Publish(server.Cache, 2, clusters: [EdsCluster("web")], endpoints: [Endpoints("web", 8081)]);

        var response = await client.ReadAsync();
        Assert.Equal(TypeUrls.Endpoint, response.TypeUrl);
        Assert.Equal("2", response.VersionInfo);
        Assert.Equal(["web"], EndpointNames(response));
    }

    [Fact]
    public async Task StreamAggregatedResources_NewName_SentAtSameVersion()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, endpoints: [Endpoints("a", 8081), Endpoints("b", 8082)]);
        using var client = server.OpenAds();
        await client.SubscribeAsync(TypeUrls.Endpoint, "a");
        var first = await client.ReadAsync();

        await client.AckAsync(TypeUrls.Endpoint, "a", "b");

        var second = await client.ReadAsync();
        Assert.Equal(["a"], EndpointNames(first));
        Assert.Equal(["a", "b"], EndpointNames(second));
        Assert.Equal(first.VersionInfo, second.VersionInfo);
        Assert.NotEqual(first.Nonce, second.Nonce);
    }

    [Fact]
    public async Task StreamAggregatedResources_ClustersAndEndpointsChange_ClustersSentFirst()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web")], endpoints: [Endpoints("web", 8081)]);
        using var client = server.OpenAds();

        // Endpoints are subscribed first, so only the server's ordering can put clusters first.
        await client.SubscribeAsync(TypeUrls.Endpoint, "web");
        await client.ReadAsync();
        await client.AckAsync(TypeUrls.Endpoint, "web");
        await client.SubscribeAsync(TypeUrls.Cluster);
        await client.ReadAsync();
        await client.AckAsync(TypeUrls.Cluster);
        Publish(server.Cache, 2, clusters: [EdsCluster("web", connectTimeoutSeconds: 2)], endpoints: [Endpoints("web", 8082)]);

        var firstPush = await client.ReadAsync();
        var secondPush = await client.ReadAsync();
        Assert.Equal(TypeUrls.Cluster, firstPush.TypeUrl);
        Assert.Equal(TypeUrls.Endpoint, secondPush.TypeUrl);
        Assert.Equal("2", firstPush.VersionInfo);
        Assert.Equal("2", secondPush.VersionInfo);
    }

    [Fact]
    public async Task StreamAggregatedResources_ListenersAndRoutesChange_ListenersSentFirst()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, listeners: [Listener("http", 10000)], routes: [Routes("http_routes")]);
        using var client = server.OpenAds();
        await client.SubscribeAsync(TypeUrls.Route, "http_routes");
        await client.ReadAsync();
        await client.SubscribeAsync(TypeUrls.Listener);
        await client.ReadAsync();

        var changedRoutes = Routes("http_routes");
        changedRoutes.VirtualHosts.Add(new Envoy.Config.Route.V3.VirtualHost { Name = "backend", Domains = { "*" } });
        Publish(server.Cache, 2, listeners: [Listener("http", 10001)], routes: [changedRoutes]);

        var firstPush = await client.ReadAsync();
        var secondPush = await client.ReadAsync();
        Assert.Equal(TypeUrls.Listener, firstPush.TypeUrl);
        Assert.Equal(TypeUrls.Route, secondPush.TypeUrl);
        Assert.Equal("2", secondPush.VersionInfo);
    }

    [Fact]
    public async Task StreamAggregatedResources_OneTypeChanges_OnlyThatTypePushed()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web")], listeners: [Listener("http", 10000)]);
        using var client = server.OpenAds();
        await client.SubscribeAsync(TypeUrls.Cluster);
        await client.ReadAsync();
        await client.SubscribeAsync(TypeUrls.Listener);
        await client.ReadAsync();

        Publish(server.Cache, 2, clusters: [EdsCluster("web")], listeners: [Listener("http", 10001)]);
        var listenerPush = await client.ReadAsync();
        Publish(server.Cache, 3, clusters: [EdsCluster("web", connectTimeoutSeconds: 2)], listeners: [Listener("http", 10001)]);
        var clusterPush = await client.ReadAsync();

        Assert.Equal(TypeUrls.Listener, listenerPush.TypeUrl);
        Assert.Equal("2", listenerPush.VersionInfo);
        Assert.Equal(TypeUrls.Cluster, clusterPush.TypeUrl);
        Assert.Equal("3", clusterPush.VersionInfo);
    }

    [Fact]
    public async Task StreamAggregatedResources_UnwatchedEndpointsChange_NothingPushed()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, endpoints: [Endpoints("a", 8081), Endpoints("b", 8082)]);
        using var client = server.OpenAds();
        await client.SubscribeAsync(TypeUrls.Endpoint, "a");
        await client.ReadAsync();

        Publish(server.Cache, 2, endpoints: [Endpoints("a", 8081), Endpoints("b", 9082)]);

        await client.ExpectNothingPendingAsync();
    }

    [Fact]
    public async Task StreamAggregatedResources_MissingNode_InvalidArgument()
    {
        await using var server = await XdsTestServer.StartAsync();
        var call = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(server.Channel).StreamAggregatedResources();
        using var _ = call;

        await call.RequestStream.WriteAsync(new DiscoveryRequest { TypeUrl = TypeUrls.Cluster }).WaitAsync(XdsTestClient.Timeout);

        var error = await Assert.ThrowsAsync<RpcException>(
            () => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(XdsTestClient.Timeout));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("node is required", error.Status.Detail);
        Assert.Equal(0, server.Cache.WatcherCount);
    }

    [Fact]
    public async Task StreamAggregatedResources_UnknownTypeUrl_IgnoredStreamContinues()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web")]);
        using var client = server.OpenAds();
        var series = "xds_ignored_requests_total{reason=\"unknown_type_url\"}";
        var ignoredBefore = await server.ReadMetricAsync(series);

        await client.SubscribeAsync("type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig");
        await client.SubscribeAsync(TypeUrls.Cluster);

        var response = await client.ReadAsync();
        Assert.Equal(TypeUrls.Cluster, response.TypeUrl);
        Assert.Equal(ignoredBefore + 1, await server.ReadMetricAsync(series));
    }

    [Fact]
    public async Task StreamAggregatedResources_EmptySnapshot_SendsNoResources()
    {
        await using var server = await XdsTestServer.StartAsync();
        using var client = server.OpenAds();

        await client.SubscribeAsync(TypeUrls.Cluster);

        var response = await client.ReadAsync();
        Assert.Equal(TypeUrls.Cluster, response.TypeUrl);
        Assert.Equal("0", response.VersionInfo);
        Assert.Empty(response.Resources);
    }
}
