using System.Net;
using Tests.Shared;

namespace ControlPlane.Tests.Api;

public sealed class ListenerAndRouteApiTests
{
    [Fact]
    public async Task Post_ListenerNamingMissingCluster_Returns400AtClusterPath()
    {
        await using var server = await ControlPlaneServer.StartAsync();

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/listeners", ApiRequests.Yaml(Resources.TcpListener("tcp", "nope")));
        using var list = await server.Api.SendAsync(HttpMethod.Get, "/api/v1/listeners");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await response.ReadErrorsAsync();
        Assert.Contains("cluster 'nope'", Assert.Single(errors["filter_chains[0].filters[0].typed_config.cluster"]));
        Assert.Equal(0, (await list.ReadJsonAsync()).GetArrayLength());
    }

    [Fact]
    public async Task Post_RouteNamingMissingClusters_Returns400ForEachReference()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        const string routes = """
            name: r
            virtual_hosts:
              - name: all
                domains: ["*"]
                routes:
                  - match: { prefix: "/a" }
                    route:
                      weighted_clusters:
                        clusters:
                          - { name: one, weight: 1 }
                          - { name: two, weight: 1 }
                  - match: { prefix: "/" }
                    route:
                      cluster: three
                      request_mirror_policies: [{ cluster: four }]
            """;

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/routes", ApiRequests.Yaml(routes));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await response.ReadErrorsAsync();
        Assert.Contains("virtual_hosts[0].routes[0].route.weighted_clusters.clusters[0].name", errors.Keys);
        Assert.Contains("virtual_hosts[0].routes[0].route.weighted_clusters.clusters[1].name", errors.Keys);
        Assert.Contains("virtual_hosts[0].routes[1].route.cluster", errors.Keys);
        Assert.Contains("virtual_hosts[0].routes[1].route.request_mirror_policies[0].cluster", errors.Keys);
    }

    [Fact]
    public async Task Post_RdsListenerWithoutRouteConfiguration_Returns400()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        var listener = HttpListener("missing_routes");

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/listeners", ApiRequests.Yaml(listener));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await response.ReadErrorsAsync();
        Assert.Contains("route configuration 'missing_routes'", Assert.Single(errors["filter_chains[0].filters[0].typed_config.rds.route_config_name"]));
    }

    [Fact]
    public async Task Crud_RoutesAndListener_WorkInOrderAndDeleteGuardsRds()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        using var cluster = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(Resources.StaticCluster("web")));
        using var routes = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/routes", ApiRequests.Yaml(Resources.Routes("http_routes", "web")));
        using var listener = await server.Api.SendAsync(HttpMethod.Put, "/api/v1/listeners/http", ApiRequests.Yaml(HttpListener("http_routes", name: "http")));

        using var deleteRoutes = await server.Api.SendAsync(HttpMethod.Delete, "/api/v1/routes/http_routes");
        using var deleteListener = await server.Api.SendAsync(HttpMethod.Delete, "/api/v1/listeners/http");
        using var deleteRoutesAgain = await server.Api.SendAsync(HttpMethod.Delete, "/api/v1/routes/http_routes");

        Assert.Equal(HttpStatusCode.Created, routes.StatusCode);
        Assert.Equal(HttpStatusCode.Created, listener.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, deleteRoutes.StatusCode);
        Assert.Contains("listener 'http'", Assert.Single((await deleteRoutes.ReadErrorsAsync())["name"]));
        Assert.Equal(HttpStatusCode.NoContent, deleteListener.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleteRoutesAgain.StatusCode);
    }

    [Fact]
    public async Task Post_ListenerOnUsedAddress_Returns400()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        using var cluster = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(Resources.StaticCluster("redis")));
        using var first = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/listeners", ApiRequests.Yaml(Resources.TcpListener("one", "redis", 15001)));

        using var second = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/listeners", ApiRequests.Yaml(Resources.TcpListener("two", "redis", 15001)));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Contains("listener 'one'", Assert.Single((await second.ReadErrorsAsync())["address"]));
    }

    [Fact]
    public async Task Get_ListenerAndRoute_ReturnStoredResources()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        await server.Api.ApplyScenarioAsync();

        using var listener = await server.Api.SendAsync(HttpMethod.Get, "/api/v1/listeners/redis_listener");
        using var routes = await server.Api.SendAsync(HttpMethod.Get, "/api/v1/routes/http_routes");
        using var missing = await server.Api.SendAsync(HttpMethod.Get, "/api/v1/routes/nope");

        var filter = (await listener.ReadJsonAsync()).GetProperty("filter_chains")[0].GetProperty("filters")[0].GetProperty("typed_config");
        Assert.Equal("type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy", filter.GetProperty("@type").GetString());
        Assert.Equal("redis", filter.GetProperty("stat_prefix").GetString());
        Assert.Equal("backend", (await routes.ReadJsonAsync()).GetProperty("virtual_hosts")[0].GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    internal static string HttpListener(string routeConfigName, string name = "http", string filtersYaml = RouterOnly) => $$"""
        name: {{name}}
        address:
          socket_address: { address: 127.0.0.1, port_value: 10000 }
        filter_chains:
          - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress_http
                  rds:
                    route_config_name: {{routeConfigName}}
                    config_source: { ads: {}, resource_api_version: V3 }
                  http_filters:
        {{filtersYaml}}
        """;

    internal const string RouterOnly = """
                    - name: envoy.filters.http.router
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
        """;
}
