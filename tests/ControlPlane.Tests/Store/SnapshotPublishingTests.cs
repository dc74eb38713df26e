using System.Net;
using ControlPlane.Snapshots;
using ControlPlane.Tests.Api;
using Microsoft.Extensions.DependencyInjection;
using Tests.Shared;

namespace ControlPlane.Tests.Store;

public sealed class SnapshotPublishingTests
{
    [Fact]
    public async Task Put_Cluster_PublishesNewVersionWithOnlyClustersChanged()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        await server.Api.ApplyScenarioAsync();
        var cache = server.Services.GetRequiredService<SnapshotCache>();
        var yaml = Resources.StaticCluster("mirror", 6380).Replace("connect_timeout: 1s", "connect_timeout: 2s");

        using var response = await server.Api.SendAsync(HttpMethod.Put, "/api/v1/clusters/mirror", ApiRequests.Yaml(yaml));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var snapshot = cache.Current;
        Assert.Equal(2, snapshot.ConfigVersion);
        Assert.Equal("2", snapshot[TypeUrls.Cluster].Version);
        Assert.Equal("1", snapshot[TypeUrls.Endpoint].Version);
        Assert.Equal("1", snapshot[TypeUrls.Listener].Version);
        Assert.Equal("1", snapshot[TypeUrls.Route].Version);
    }

    [Fact]
    public async Task PutEndpoints_StaticCluster_PublishesOnlyEndpoints()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        await server.Api.ApplyScenarioAsync();
        var cache = server.Services.GetRequiredService<SnapshotCache>();
        const string json = """{"endpoints":[{"lb_endpoints":[{"endpoint":{"address":{"socket_address":{"address":"127.0.0.1","port_value":8083}}}}]}]}""";

        using var response = await server.Api.SendAsync(HttpMethod.Put, "/api/v1/clusters/web/endpoints", ApiRequests.Json(json));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var snapshot = cache.Current;
        Assert.Equal(2, snapshot.ConfigVersion);
        Assert.Equal("1", snapshot[TypeUrls.Cluster].Version);
        Assert.Equal("2", snapshot[TypeUrls.Endpoint].Version);
        Assert.Equal("1", snapshot[TypeUrls.Listener].Version);
        Assert.Equal("1", snapshot[TypeUrls.Route].Version);
    }

    [Fact]
    public async Task Put_Routes_PublishesOnlyRoutes()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        await server.Api.ApplyScenarioAsync();
        var cache = server.Services.GetRequiredService<SnapshotCache>();

        using var response = await server.Api.SendAsync(HttpMethod.Put, "/api/v1/routes/http_routes", ApiRequests.Yaml(Resources.Routes("http_routes", "mirror")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var snapshot = cache.Current;
        Assert.Equal(2, snapshot.ConfigVersion);
        Assert.Equal(["1", "1", "1", "2"], TypeUrls.All.Select(type => snapshot[type].Version));
    }

    [Fact]
    public async Task Post_EdsClusterWithoutEndpoints_PublishesEmptyAssignment()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        const string yaml = """
            name: dynamic
            type: EDS
            connect_timeout: 1s
            """;

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(yaml));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var snapshot = server.Services.GetRequiredService<SnapshotCache>().Current;
        var assignment = snapshot[TypeUrls.Endpoint].Resources["dynamic"].Packed.Unpack<Envoy.Config.Endpoint.V3.ClusterLoadAssignment>();
        Assert.Empty(assignment.Endpoints);
        var cluster = snapshot[TypeUrls.Cluster].Resources["dynamic"].Packed.Unpack<Envoy.Config.Cluster.V3.Cluster>();
        Assert.NotNull(cluster.EdsClusterConfig.EdsConfig.Ads);
    }

    [Fact]
    public async Task Put_StrictDnsCluster_KeepsInlineEndpoints()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        var yaml = "type: STRICT_DNS\n" + Resources.StaticCluster("dns").Replace("127.0.0.1", "localhost");

        using var response = await server.Api.SendAsync(HttpMethod.Put, "/api/v1/clusters/dns", ApiRequests.Yaml(yaml));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var snapshot = server.Services.GetRequiredService<SnapshotCache>().Current;
        var cluster = snapshot[TypeUrls.Cluster].Resources["dns"].Packed.Unpack<Envoy.Config.Cluster.V3.Cluster>();
        Assert.Equal(Envoy.Config.Cluster.V3.Cluster.Types.DiscoveryType.StrictDns, cluster.Type);
        Assert.Equal("localhost", cluster.LoadAssignment.Endpoints[0].LbEndpoints[0].Endpoint.Address.SocketAddress.Address);
        Assert.Empty(snapshot[TypeUrls.Endpoint].Resources);
    }

    [Fact]
    public async Task Post_ConcurrentChanges_GetDistinctVersions()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        var posts = Enumerable.Range(0, 8).Select(async i =>
        {
            using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(Resources.StaticCluster($"c{i}")));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await response.ReadJsonAsync()).GetProperty("version").GetInt64();
        });

        var versions = await Task.WhenAll(posts).WaitAsync(ApiRequests.Timeout);

        Assert.Equal(Enumerable.Range(1, 8).Select(v => (long)v), versions.Order());
        var snapshot = server.Services.GetRequiredService<SnapshotCache>().Current;
        Assert.Equal(8, snapshot.ConfigVersion);
        Assert.Equal(8, snapshot[TypeUrls.Cluster].Resources.Count);
    }

    [Fact]
    public async Task Start_ExistingStore_PublishesStoredVersion()
    {
        var folder = Directory.CreateTempSubdirectory("controlplane-store-").FullName;
        var storePath = Path.Combine(folder, "store.db");
        try
        {
            await using (var first = await ControlPlaneServer.StartAsync(storePath))
            {
                await first.Api.ApplyScenarioAsync();
                using var put = await first.Api.SendAsync(HttpMethod.Put, "/api/v1/routes/http_routes", ApiRequests.Yaml(Resources.Routes("http_routes", "mirror")));
                Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            }

            await using var second = await ControlPlaneServer.StartAsync(storePath);
            var snapshot = second.Services.GetRequiredService<SnapshotCache>().Current;

            Assert.Equal(2, snapshot.ConfigVersion);
            Assert.Equal(3, snapshot[TypeUrls.Cluster].Resources.Count);
            Assert.Equal(3, snapshot[TypeUrls.Endpoint].Resources.Count);
            var routes = snapshot[TypeUrls.Route].Resources["http_routes"].Packed.Unpack<Envoy.Config.Route.V3.RouteConfiguration>();
            Assert.Equal("mirror", routes.VirtualHosts[0].Routes[0].Route_.Cluster);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }
}
