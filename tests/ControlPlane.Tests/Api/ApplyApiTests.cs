using System.Net;
using ControlPlane.Snapshots;
using Microsoft.Extensions.DependencyInjection;
using Tests.Shared;

namespace ControlPlane.Tests.Api;

public sealed class ApplyApiTests
{
    [Fact]
    public async Task Apply_Scenario_StoresEverythingAtOneVersion()
    {
        await using var server = await ControlPlaneServer.StartAsync();

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/apply", ApiRequests.Yaml(ApiRequests.ScenarioYaml()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal(1, body.GetProperty("version").GetInt64());
        Assert.Equal(6, body.GetProperty("resources").GetArrayLength());
        using var clusters = await server.Api.SendAsync(HttpMethod.Get, "/api/v1/clusters");
        var names = (await clusters.ReadJsonAsync()).EnumerateArray().Select(c => c.GetProperty("name").GetString());
        Assert.Equal(["mirror", "primary", "web"], names);
    }

    [Fact]
    public async Task Apply_Scenario_ServesStaticClustersOverEds()
    {
        await using var server = await ControlPlaneServer.StartAsync();

        await server.Api.ApplyScenarioAsync();

        var snapshot = server.Services.GetRequiredService<SnapshotCache>().Current;
        Assert.Equal(1, snapshot.ConfigVersion);
        var primary = snapshot[TypeUrls.Cluster].Resources["primary"].Packed.Unpack<Envoy.Config.Cluster.V3.Cluster>();
        Assert.Equal(Envoy.Config.Cluster.V3.Cluster.Types.DiscoveryType.Eds, primary.Type);
        Assert.NotNull(primary.EdsClusterConfig.EdsConfig.Ads);
        Assert.Null(primary.LoadAssignment);
        var endpoints = snapshot[TypeUrls.Endpoint].Resources["primary"].Packed.Unpack<Envoy.Config.Endpoint.V3.ClusterLoadAssignment>();
        Assert.Equal([0u, 1u], endpoints.Endpoints.Select(e => e.Priority));
        Assert.Equal(["http_routes"], snapshot[TypeUrls.Route].Resources.Keys.ToArray());
        Assert.Equal(2, snapshot[TypeUrls.Listener].Resources.Count);
    }

    [Fact]
    public async Task Apply_OneBadDocument_StoresNothingAndKeepsVersion()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        var version = await server.Api.ApplyScenarioAsync();
        var yaml = $"""
            "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
            {Resources.StaticCluster("extra")}
            ---
            "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
            name: broken
            connect_timeout: 0s
            """;

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/apply", ApiRequests.Yaml(yaml));
        using var extra = await server.Api.SendAsync(HttpMethod.Get, "/api/v1/clusters/extra");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await response.ReadErrorsAsync();
        Assert.Contains("resources[1].connect_timeout", errors.Keys);
        Assert.Contains("resources[1].load_assignment", errors.Keys);
        Assert.Equal(HttpStatusCode.NotFound, extra.StatusCode);
        Assert.Equal(version, server.Services.GetRequiredService<SnapshotCache>().Current.ConfigVersion);
    }

    [Fact]
    public async Task Apply_JsonArrayWithEndpoints_ReplacesEndpointsOnly()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        await server.Api.ApplyScenarioAsync();
        const string json = """
            [{"@type":"type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment","clusterName":"mirror",
              "endpoints":[{"lbEndpoints":[{"endpoint":{"address":{"socketAddress":{"address":"127.0.0.1","portValue":6381}}}}]}]}]
            """;

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/apply", ApiRequests.Json(json));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var snapshot = server.Services.GetRequiredService<SnapshotCache>().Current;
        Assert.Equal(2, snapshot.ConfigVersion);
        Assert.Equal("1", snapshot[TypeUrls.Cluster].Version);
        Assert.Equal("2", snapshot[TypeUrls.Endpoint].Version);
        var mirror = snapshot[TypeUrls.Endpoint].Resources["mirror"].Packed.Unpack<Envoy.Config.Endpoint.V3.ClusterLoadAssignment>();
        Assert.Equal(6381u, mirror.Endpoints[0].LbEndpoints[0].Endpoint.Address.SocketAddress.PortValue);
    }

    [Fact]
    public async Task Apply_UnknownTypeAndMissingType_NamesBothDocuments()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        const string json = """[{"@type":"type.googleapis.com/envoy.config.core.v3.Address"},{"name":"x"}]""";

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/apply", ApiRequests.Json(json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await response.ReadErrorsAsync();
        Assert.Contains("resources[0].@type", errors.Keys);
        Assert.Contains("resources[1].@type", errors.Keys);
    }

    [Fact]
    public async Task Apply_SameScenarioTwice_KeepsVersion()
    {
        await using var server = await ControlPlaneServer.StartAsync();

        var first = await server.Api.ApplyScenarioAsync();
        var second = await server.Api.ApplyScenarioAsync();

        Assert.Equal(1, first);
        Assert.Equal(1, second);
    }
}
