using System.Net;
using ControlPlane.Tests.Api;
using Tests.Shared;

namespace ControlPlane.Tests.Validation;

/// <summary>Validation as an operator meets it: invalid resources posted over HTTP get every problem named.</summary>
public sealed class ResourceValidationTests
{
    [Fact]
    public async Task Post_ClusterWithFourProblems_NamesEachPath()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        const string json = """
            {"name": "", "connect_timeout": "0s",
             "outlier_detection": {"base_ejection_time": "10s", "max_ejection_time": "5s"},
             "load_assignment": {"cluster_name": "x", "endpoints": [
               {"priority": 0, "lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 1}}}}]},
               {"priority": 2, "lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 2}}}}]}]}}
            """;

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Json(json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await response.ReadErrorsAsync();
        Assert.Equal(["connect_timeout", "load_assignment.endpoints[1].priority", "name", "outlier_detection.max_ejection_time"], errors.Keys.Order());
        Assert.Contains("greater than 0s", errors["connect_timeout"][0]);
        Assert.Contains("priority 1", errors["load_assignment.endpoints[1].priority"][0]);
        Assert.Contains("base_ejection_time (10s)", errors["outlier_detection.max_ejection_time"][0]);
    }

    [Fact]
    public async Task Post_MaxEjectionTimeBelowDefaultBase_IsRejected()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        var yaml = Resources.StaticCluster("c") + "\noutlier_detection: { max_ejection_time: 20s, max_ejection_percent: 150 }\n";

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(yaml));

        var errors = await response.ReadErrorsAsync();
        Assert.Contains("default base_ejection_time (30s)", Assert.Single(errors["outlier_detection.max_ejection_time"]));
        Assert.Contains("less than or equal to 100", Assert.Single(errors["outlier_detection.max_ejection_percent"]));
    }

    [Fact]
    public async Task Post_ClusterFromEnvoyQuickStart_IsAccepted()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        // The service_envoyproxy_io cluster of Envoy's quick-start envoy-demo.yaml, without its TLS
        // transport socket (the product does not carry the TLS protos).
        const string yaml = """
            name: service_envoyproxy_io
            type: LOGICAL_DNS
            dns_lookup_family: V4_ONLY
            load_assignment:
              cluster_name: service_envoyproxy_io
              endpoints:
              - lb_endpoints:
                - endpoint:
                    address:
                      socket_address:
                        address: www.envoyproxy.io
                        port_value: 443
            """;

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(yaml));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Post_UnknownFieldsAndEnumName_NamesEachPath()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        const string json = """
            {"name": "c", "lb_policy": "FASTEST", "outlier_detection": {"foo": 1},
             "load_assignment": {"cluster_name": "c", "endpoints": [{"bar": true}]}}
            """;

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Json(json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await response.ReadErrorsAsync();
        Assert.Equal(["lb_policy", "load_assignment.endpoints[0].bar", "outlier_detection.foo"], errors.Keys.Order());
        Assert.Contains("not a field of envoy.config.cluster.v3.OutlierDetection", errors["outlier_detection.foo"][0]);
    }

    [Fact]
    public async Task Post_StaticClusterWithHostname_IsRejected()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        var yaml = Resources.StaticCluster("c").Replace("127.0.0.1", "redis.internal");

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(yaml));

        var errors = await response.ReadErrorsAsync();
        Assert.Contains("must be an IP address", Assert.Single(errors["load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address"]));
    }

    [Fact]
    public async Task Post_RedisProxyWithoutStatPrefixOrTimeout_NamesBoth()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        using var cluster = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(Resources.StaticCluster("primary")));
        const string yaml = """
            name: redis
            address: { socket_address: { address: 0.0.0.0, port_value: 16379 } }
            filter_chains:
              - filters:
                  - name: envoy.filters.network.redis_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy
                      settings: {}
                      prefix_routes:
                        routes:
                          - { prefix: "a:", cluster: primary }
                          - { prefix: "a:", cluster: primary }
            """;

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/listeners", ApiRequests.Yaml(yaml));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await response.ReadErrorsAsync();
        const string filter = "filter_chains[0].filters[0].typed_config";
        Assert.Equal([$"{filter}.prefix_routes.routes[1].prefix", $"{filter}.settings.op_timeout", $"{filter}.stat_prefix"], errors.Keys.Order());
    }

    [Fact]
    public async Task Post_RouterNotLastAndNoAddress_NamesBoth()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        using var cluster = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(Resources.StaticCluster("web")));
        using var routes = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/routes", ApiRequests.Yaml(Resources.Routes("r", "web")));
        const string filters = """
                    - name: envoy.filters.http.router
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                    - name: second
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                    - name: unknown
                      typed_config: { "@type": type.googleapis.com/envoy.config.core.v3.Address }
        """;
        var yaml = ListenerAndRouteApiTests.HttpListener("r", filtersYaml: filters)
            .Replace("address:\n  socket_address: { address: 127.0.0.1, port_value: 10000 }\n", "");

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/listeners", ApiRequests.Yaml(yaml));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await response.ReadErrorsAsync();
        const string manager = "filter_chains[0].filters[0].typed_config";
        Assert.Contains("address", errors.Keys);
        Assert.Contains("must be the last HTTP filter", Assert.Single(errors[$"{manager}.http_filters[0]"]));
        Assert.Contains("must be the last HTTP filter", Assert.Single(errors[$"{manager}.http_filters[1]"]));
        Assert.Contains("does not support", Assert.Single(errors[$"{manager}.http_filters[2].typed_config.@type"]));
        Assert.Contains("must end with the router filter", Assert.Single(errors[$"{manager}.http_filters"]));
    }

    [Fact]
    public async Task Post_NetworkFilterOfUnsupportedType_IsRejected()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        const string yaml = """
            name: l
            address: { socket_address: { address: 127.0.0.1, port_value: 1000 } }
            filter_chains:
              - filters:
                  - name: x
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
            """;

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/listeners", ApiRequests.Yaml(yaml));

        var errors = await response.ReadErrorsAsync();
        Assert.Contains("does not support", Assert.Single(errors["filter_chains[0].filters[0].typed_config.@type"]));
    }

    [Fact]
    public async Task Post_InvalidYaml_Returns400WithBodyError()
    {
        await using var server = await ControlPlaneServer.StartAsync();

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml("name: [unclosed"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid YAML", Assert.Single((await response.ReadErrorsAsync())["body"]));
    }

    [Fact]
    public async Task Post_WrongJsonKinds_NamesEachField()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        const string json = """{"name": 5, "connect_timeout": true, "lb_policy": "NOPE", "health_checks": {}}""";

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Json(json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await response.ReadErrorsAsync();
        Assert.Equal(["connect_timeout", "health_checks", "lb_policy", "name"], errors.Keys.Order());
        Assert.Contains("must be a string, not 5", Assert.Single(errors["name"]));
        Assert.Contains("duration string", Assert.Single(errors["connect_timeout"]));
        Assert.Contains("must be a JSON array", Assert.Single(errors["health_checks"]));
    }

    [Fact]
    public async Task Post_ApiListenerWithoutAddress_IsAccepted()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        using var routes = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/routes", ApiRequests.Yaml(Resources.Routes("grpc_routes", "absent")));
        Assert.Equal(HttpStatusCode.BadRequest, routes.StatusCode);
        using var cluster = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(Resources.StaticCluster("backend")));
        using var routesAgain = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/routes", ApiRequests.Yaml(Resources.Routes("grpc_routes", "backend")));
        Assert.Equal(HttpStatusCode.Created, routesAgain.StatusCode);

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/listeners", ApiRequests.Yaml(ApiListener("some-service", "grpc_routes")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Post_ApiListenerNamingMissingRoutes_IsRejected()
    {
        await using var server = await ControlPlaneServer.StartAsync();

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/listeners", ApiRequests.Yaml(ApiListener("some-service", "absent")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await response.ReadErrorsAsync();
        Assert.Contains("'absent'", Assert.Single(errors["api_listener.api_listener.rds.route_config_name"]));
    }

    // The shape gRPC's proxyless xDS clients request: no address, an HTTP connection manager inside.
    private static string ApiListener(string name, string routeConfigName) => $$"""
        name: {{name}}
        api_listener:
          api_listener:
            "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
            stat_prefix: {{name}}
            rds:
              route_config_name: {{routeConfigName}}
              config_source: { ads: {}, resource_api_version: V3 }
            http_filters:
            - name: envoy.filters.http.router
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """;
}
