using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Tests.Shared;
using Xunit.Abstractions;

namespace Agent.Tests.EndToEnd;

/// <summary>Config changes on top of the reference scenario: warming, rejected resources, NACKs and a control plane restart.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class ScenarioConfigTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Apply_ListenerWithMissingRoutes_Rejected()
    {
        await using var scenario = await ScenarioHarness.StartAsync();
        var port = LoopbackPorts.GetFree();

        using var response = await scenario.PostApplyAsync(HttpListenerYaml("orphan_listener", port, "no_such_routes"));
        var problem = await response.Content.ReadAsStringAsync();
        output.WriteLine(problem);

        Assert.False(response.IsSuccessStatusCode, $"apply returned {(int)response.StatusCode}");
        Assert.Contains("no_such_routes", problem);
        using var stored = await scenario.ControlPlane!.Api.GetAsync("/api/v1/listeners/orphan_listener");
        Assert.Equal(HttpStatusCode.NotFound, stored.StatusCode);
    }

    [Fact]
    public async Task Apply_ListenerWithRoutes_ServedAndFollowsEndpoints()
    {
        await using var scenario = await ScenarioHarness.StartAsync();
        var port = LoopbackPorts.GetFree();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        var yaml = string.Join("---\n", ClusterYaml("web_single", scenario.BackendB.Port), RoutesYaml("single_routes", "web_single"),
            HttpListenerYaml("single_listener", port, "single_routes"));

        await scenario.ApplyAsync(yaml);
        var served = await ScenarioHarness.WaitUntilSucceedsAsync(
            async () => await client.GetStringAsync("/") == "backend-b", "the new listener answers from backend-b");
        output.WriteLine($"new listener, routes and cluster served {served.TotalMilliseconds:0} ms after the apply");

        await scenario.ApplyAsync(ClusterYaml("web_single", scenario.BackendA.Port));
        await ScenarioHarness.WaitUntilAsync(
            async () => await client.GetStringAsync("/") == "backend-a", "the listener follows the cluster's new endpoint");
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("backend-a", await client.GetStringAsync("/"));
        }
    }

    [Fact]
    public async Task Apply_ApiListener_NackedWhileTrafficContinues()
    {
        await using var scenario = await ScenarioHarness.StartAsync();
        var apiListener = """
            "@type": type.googleapis.com/envoy.config.listener.v3.Listener
            name: grpc_api
            api_listener:
              api_listener:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: grpc_api
                rds:
                  route_config_name: http_routes
                  config_source: { ads: {}, resource_api_version: V3 }
                http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
            """;

        var version = await scenario.ApplyAsync(apiListener);
        JsonElement? nack = null;
        await ScenarioHarness.WaitUntilAsync(
            async () => (nack = LastNack(await scenario.GetNodeAsync(), "lds")) is not null, "the agent's LDS NACK shows in /api/v1/nodes");
        var message = nack!.Value.GetProperty("message").GetString();
        output.WriteLine($"config version {version}; NACK: {nack}");

        Assert.Contains("api_listener", message);
        Assert.Equal(version, nack.Value.GetProperty("version").GetString());
        var lds = (await scenario.GetNodeAsync())!.Value.GetProperty("types").GetProperty("lds");
        Assert.NotEqual(version, lds.GetProperty("version_acked").GetString());
        Assert.Equal("OK", (await scenario.RedisAsync("SET", "after-nack", "v")).ToString());
        Assert.Equal("v", (await scenario.RedisAsync("GET", "after-nack")).ToString());
        var seen = await scenario.CountBackendsAsync(20);
        Assert.Equal(10, seen.GetValueOrDefault("backend-a"));
        Assert.Equal(10, seen.GetValueOrDefault("backend-b"));
    }

    [Fact]
    public async Task ControlPlane_Restart_AgentKeepsServingAndReconnects()
    {
        await using var scenario = await ScenarioHarness.StartAsync();
        var xdsPort = scenario.ControlPlane!.XdsPort;
        var apiPort = scenario.ControlPlane.ApiPort;

        await scenario.StopControlPlaneAsync();
        using (var ready = await scenario.Agent!.Admin.GetAsync("/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        Assert.Equal("OK", (await scenario.RedisAsync("SET", "without-control-plane", "v")).ToString());
        Assert.Equal("v", (await scenario.RedisAsync("GET", "without-control-plane")).ToString());
        var seen = await scenario.CountBackendsAsync(20);
        Assert.Equal(10, seen.GetValueOrDefault("backend-a"));
        Assert.Equal(10, seen.GetValueOrDefault("backend-b"));

        var clock = Stopwatch.StartNew();
        await scenario.StartControlPlaneAsync(xdsPort, apiPort);
        var started = clock.Elapsed;
        await ScenarioHarness.WaitUntilAsync(
            async () => LdsAcked(await scenario.GetNodeAsync()), "the agent reconnects and acknowledges LDS");
        output.WriteLine($"reconnect: node back in /api/v1/nodes with LDS acknowledged {clock.Elapsed.TotalMilliseconds:0} ms after the restart began (control plane up after {started.TotalMilliseconds:0} ms)");

        Assert.Equal("v", (await scenario.RedisAsync("GET", "without-control-plane")).ToString());
        Assert.Equal(HttpStatusCode.OK, (await scenario.GetThroughAgentAsync()).Status);

        // The new stream carries changes: cluster web loses backend-b.
        await scenario.ApplyAsync(WebEndpointsYaml(scenario.BackendA.Port));
        await ScenarioHarness.WaitUntilAsync(
            async () => await scenario.HealthFlagsAsync("web", scenario.BackendB.Port) is null,
            "the agent applies an endpoint change sent by the restarted control plane");
        var after = await scenario.CountBackendsAsync(10);
        Assert.Equal(10, after.GetValueOrDefault("backend-a"));
    }

    private static string WebEndpointsYaml(int port) => $$"""
        "@type": type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment
        cluster_name: web
        endpoints:
          - lb_endpoints:
              - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{port}} } } }

        """;

    private static JsonElement? LastNack(JsonElement? node, string type) =>
        node is { } found
        && found.GetProperty("types").TryGetProperty(type, out var status)
        && status.TryGetProperty("last_nack", out var nack)
        && nack.ValueKind == JsonValueKind.Object
            ? nack
            : null;

    private static bool LdsAcked(JsonElement? node) =>
        node is { } found
        && found.GetProperty("types").TryGetProperty("lds", out var status)
        && status.TryGetProperty("version_acked", out var acked)
        && acked.ValueKind == JsonValueKind.String;

    private static string ClusterYaml(string name, int port) => $$"""
        "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
        name: {{name}}
        connect_timeout: 1s
        load_assignment:
          cluster_name: {{name}}
          endpoints:
            - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{port}} } } }

        """;

    private static string RoutesYaml(string name, string cluster) => $$"""
        "@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
        name: {{name}}
        virtual_hosts:
          - name: all
            domains: ["*"]
            routes:
              - match: { prefix: "/" }
                route: { cluster: {{cluster}} }

        """;

    private static string HttpListenerYaml(string name, int port, string routes) => $$"""
        "@type": type.googleapis.com/envoy.config.listener.v3.Listener
        name: {{name}}
        address: { socket_address: { address: 127.0.0.1, port_value: {{port}} } }
        filter_chains:
          - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: {{name}}
                  rds:
                    route_config_name: {{routes}}
                    config_source: { ads: {}, resource_api_version: V3 }
                  http_filters:
                    - name: envoy.filters.http.router
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router

        """;
}
