using ControlPlane.Snapshots;
using Envoy.Config.Cluster.V3;
using Envoy.Service.Discovery.V3;
using static ControlPlane.Tests.Xds.XdsTestSnapshots;

namespace ControlPlane.Tests.Xds;

public sealed class DeltaAdsStreamTests
{
    [Fact]
    public async Task DeltaAggregatedResources_WildcardClusters_SendsEveryCluster()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web"), EdsCluster("primary")]);
        using var client = server.OpenDeltaAds();

        await client.SubscribeAsync(TypeUrls.Cluster);
        var response = await client.ReadAsync();

        var web = server.Cache.Current[TypeUrls.Cluster].Resources["web"];
        var sentWeb = response.Resources.Single(r => r.Name == "web");
        Assert.Equal(TypeUrls.Cluster, response.TypeUrl);
        Assert.Equal(["primary", "web"], Names(response));
        Assert.Empty(response.RemovedResources);
        Assert.Equal("1", response.SystemVersionInfo);
        Assert.False(string.IsNullOrEmpty(response.Nonce));
        Assert.Equal(web.Version, sentWeb.Version);
        Assert.Equal(web.Packed.Value, sentWeb.Resource_.Value);
        Assert.Equal("web", sentWeb.Resource_.Unpack<Cluster>().Name);
    }

    [Fact]
    public async Task DeltaAggregatedResources_NamedEndpoints_SendsOnlyThose()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, endpoints: [Endpoints("a", 8081), Endpoints("b", 8082), Endpoints("c", 8083)]);
        using var client = server.OpenDeltaAds();

        await client.SubscribeAsync(TypeUrls.Endpoint, "a", "b");
        var response = await client.ReadAsync();

        Assert.Equal(TypeUrls.Endpoint, response.TypeUrl);
        Assert.Equal(["a", "b"], Names(response));
        Assert.Empty(response.RemovedResources);
    }

    [Fact]
    public async Task DeltaAggregatedResources_SubscribeAndUnsubscribeLater_FollowsNames()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, endpoints: [Endpoints("a", 8081), Endpoints("b", 8082)]);
        using var client = server.OpenDeltaAds();
        await client.SubscribeAsync(TypeUrls.Endpoint, "a");
        await client.ReadAsync();
        await client.AckAsync(TypeUrls.Endpoint);

        await client.SubscribeAsync(TypeUrls.Endpoint, "b");
        var added = await client.ReadAsync();
        await client.UnsubscribeAsync(TypeUrls.Endpoint, "a");

        // An unsubscribe gets no response, so a first request for another type shows when the
        // server has handled it: the server handles a stream's requests in order.
        await client.ExpectNothingPendingAsync(TypeUrls.Listener);
        Publish(server.Cache, 2, endpoints: [Endpoints("a", 9091), Endpoints("b", 8082)]);
        Assert.Equal(["b"], Names(added));
        await client.ExpectNothingPendingAsync(TypeUrls.Route);
        Publish(server.Cache, 3, endpoints: [Endpoints("a", 9091), Endpoints("b", 9092)]);
        var changed = await client.ReadAsync();
        Assert.Equal(TypeUrls.Endpoint, changed.TypeUrl);
        Assert.Equal(["b"], Names(changed));
        Assert.Equal("3", changed.SystemVersionInfo);
    }

    [Fact]
    public async Task Publish_OneEndpointChanged_SentOnlyToItsWatchers()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, endpoints: [Endpoints("a", 8081), Endpoints("b", 8082), Endpoints("c", 8083)]);
        using var watchesA = server.OpenDeltaAds("watches-a");
        using var watchesB = server.OpenDeltaAds("watches-b");
        using var watchesAll = server.OpenDeltaAds("watches-all");
        await SubscribeAndReadAsync(watchesA, TypeUrls.Endpoint, "a");
        await SubscribeAndReadAsync(watchesB, TypeUrls.Endpoint, "b");
        await SubscribeAndReadAsync(watchesAll, TypeUrls.Endpoint);

        Publish(server.Cache, 2, endpoints: [Endpoints("a", 9091), Endpoints("b", 8082), Endpoints("c", 8083)]);

        var toA = await watchesA.ReadAsync();
        var toAll = await watchesAll.ReadAsync();
        Assert.Equal(["a"], Names(toA));
        Assert.Empty(toA.RemovedResources);
        Assert.Equal(["a"], Names(toAll));
        Assert.Equal(server.Cache.Current[TypeUrls.Endpoint].Resources["a"].Version, toA.Resources[0].Version);
        await watchesB.ExpectNothingPendingAsync(TypeUrls.Listener);
        await watchesA.ExpectNothingPendingAsync(TypeUrls.Listener);
    }

    [Fact]
    public async Task Publish_ClusterDeleted_ArrivesInRemovedResources()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web"), EdsCluster("primary")]);
        using var client = server.OpenDeltaAds();
        await SubscribeAndReadAsync(client, TypeUrls.Cluster);

        Publish(server.Cache, 2, clusters: [EdsCluster("primary")]);
        var response = await client.ReadAsync();

        Assert.Equal(TypeUrls.Cluster, response.TypeUrl);
        Assert.Empty(response.Resources);
        Assert.Equal(["web"], response.RemovedResources);
        Assert.Equal("2", response.SystemVersionInfo);
    }

    [Fact]
    public async Task Reconnect_InitialResourceVersions_SendsOnlyDifferences()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("same"), EdsCluster("changed"), EdsCluster("new")]);
        var clusters = server.Cache.Current[TypeUrls.Cluster];
        using var client = server.OpenDeltaAds();

        await client.SendAsync(new DeltaDiscoveryRequest
        {
            TypeUrl = TypeUrls.Cluster,
            InitialResourceVersions =
            {
                ["same"] = clusters.Resources["same"].Version,
                ["changed"] = "an-older-version",
                ["gone"] = "a-version-of-a-deleted-cluster",
            },
        });
        var response = await client.ReadAsync();

        Assert.Equal(["changed", "new"], Names(response));
        Assert.Equal(["gone"], response.RemovedResources);
    }

    [Fact]
    public async Task Nack_RecordedAndNotResentUntilChange()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web")]);
        using var client = server.OpenDeltaAds();
        await SubscribeAndReadAsync(client, TypeUrls.Cluster);
        await client.AckAsync(TypeUrls.Cluster);
        await server.WaitForNodeAsync(client.NodeId, n => Cds(n).GetProperty("version_acked").GetString() == "1");

        Publish(server.Cache, 2, clusters: [EdsCluster("web", connectTimeoutSeconds: 2)]);
        var rejected = await client.ReadAsync();
        await client.NackAsync(TypeUrls.Cluster, "cluster web: connect_timeout too long");

        var node = await server.WaitForNodeAsync(client.NodeId, n => Cds(n).GetProperty("last_nack").ValueKind == System.Text.Json.JsonValueKind.Object);
        var nack = Cds(node).GetProperty("last_nack");
        Assert.Equal("2", rejected.SystemVersionInfo);
        Assert.Equal("2", nack.GetProperty("version").GetString());
        Assert.Equal("cluster web: connect_timeout too long", nack.GetProperty("message").GetString());
        Assert.Equal("1", Cds(node).GetProperty("version_acked").GetString());
        await client.ExpectNothingPendingAsync(TypeUrls.Listener);

        Publish(server.Cache, 3, clusters: [EdsCluster("web", connectTimeoutSeconds: 3)]);
        var next = await client.ReadAsync();
        Assert.Equal(TypeUrls.Cluster, next.TypeUrl);
        Assert.Equal("3", next.SystemVersionInfo);
        Assert.Equal(["web"], Names(next));
    }

    [Fact]
    public async Task SubscribeMissingName_ArrivesInRemovedThenPushedWhenCreated()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, routes: [Routes("existing")]);
        using var client = server.OpenDeltaAds();

        await client.SubscribeAsync(TypeUrls.Route, "later");
        var missing = await client.ReadAsync();
        Publish(server.Cache, 2, routes: [Routes("existing"), Routes("later")]);
        var created = await client.ReadAsync();

        Assert.Empty(missing.Resources);
        Assert.Equal(["later"], missing.RemovedResources);
        Assert.Equal(["later"], Names(created));
    }

    [Fact]
    public async Task UnsubscribeWildcard_KeepsExplicitNamesOnly()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web"), EdsCluster("primary")]);
        using var client = server.OpenDeltaAds();
        await SubscribeAndReadAsync(client, TypeUrls.Cluster);

        // Legacy wildcard plus an explicit name: the wildcard stays until "*" is unsubscribed.
        await client.SubscribeAsync(TypeUrls.Cluster, "web");
        var explicitWeb = await client.ReadAsync();
        await client.UnsubscribeAsync(TypeUrls.Cluster, "*");
        await client.ExpectNothingPendingAsync(TypeUrls.Listener);
        Publish(server.Cache, 2, clusters: [EdsCluster("web"), EdsCluster("primary", connectTimeoutSeconds: 2)]);
        await client.ExpectNothingPendingAsync(TypeUrls.Route);
        Publish(server.Cache, 3, clusters: [EdsCluster("web", connectTimeoutSeconds: 2), EdsCluster("primary", connectTimeoutSeconds: 2)]);
        var webChanged = await client.ReadAsync();

        Assert.Equal(["web"], Names(explicitWeb));
        Assert.Equal(TypeUrls.Cluster, webChanged.TypeUrl);
        Assert.Equal(["web"], Names(webChanged));
    }

    [Fact]
    public async Task UnsubscribeNameCoveredByWildcard_ResendsIt()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web")]);
        using var client = server.OpenDeltaAds();
        await client.SubscribeAsync(TypeUrls.Cluster, "*", "web", "absent");
        await client.ReadAsync();

        // The client cannot tell whether "*" still covers a name it unsubscribes from, so the
        // server must send the resource if it exists and its removal if not.
        await client.UnsubscribeAsync(TypeUrls.Cluster, "web", "absent");
        var response = await client.ReadAsync();

        Assert.Equal(["web"], Names(response));
        Assert.Equal(["absent"], response.RemovedResources);
    }

    [Fact]
    public async Task DeltaAggregatedResources_EveryResponse_HasNewNonce()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web")], endpoints: [Endpoints("web", 8081)]);
        using var client = server.OpenDeltaAds();

        var clusters = await SubscribeAndReadAsync(client, TypeUrls.Cluster);
        var endpoints = await SubscribeAndReadAsync(client, TypeUrls.Endpoint, "web");
        Publish(server.Cache, 2, clusters: [EdsCluster("web", 2)], endpoints: [Endpoints("web", 9091)]);
        var pushedClusters = await client.ReadAsync();
        var pushedEndpoints = await client.ReadAsync();

        // Clusters before their endpoints, as on the state-of-the-world ADS stream.
        Assert.Equal(TypeUrls.Cluster, pushedClusters.TypeUrl);
        Assert.Equal(TypeUrls.Endpoint, pushedEndpoints.TypeUrl);
        var nonces = new[] { clusters.Nonce, endpoints.Nonce, pushedClusters.Nonce, pushedEndpoints.Nonce };
        Assert.Equal(4, nonces.Distinct().Count());
    }

    internal static System.Text.Json.JsonElement Cds(System.Text.Json.JsonElement node) => node.GetProperty("types").GetProperty("cds");

    internal static List<string> Names(DeltaDiscoveryResponse response) =>
        response.Resources.Select(r => r.Name).Order(StringComparer.Ordinal).ToList();

    internal static async Task<DeltaDiscoveryResponse> SubscribeAndReadAsync(DeltaTestClient client, string typeUrl, params string[] names)
    {
        await client.SubscribeAsync(typeUrl, names);
        var response = await client.ReadAsync();
        Assert.Equal(typeUrl, response.TypeUrl);
        return response;
    }
}
