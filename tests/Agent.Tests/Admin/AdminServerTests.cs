using System.Net;
using System.Text.Json.Nodes;
using Agent.Admin;
using Agent.Tests.Support;
using static Agent.Tests.Support.TestResources;
using Types = Agent.Tests.Support.TestAdsServer.Types;

namespace Agent.Tests.Admin;

public sealed class AdminServerTests
{
    [Fact]
    public async Task Endpoints_AfterRequests_ShowClustersStatsAndConfig()
    {
        await using var backend = await HttpBackend.StartAsync("backend-1");
        await using var server = await TestAdsServer.StartAsync();
        await using var agent = await AgentRunner.StartAsync(server.Port);
        var notReady = await agent.Admin.GetAsync("/ready");
        var listenerPort = global::Tests.Shared.LoopbackPorts.GetFree();
        server.PublishClusters("c1", EdsCluster("web"));
        server.PublishEndpoints("e1", Endpoints("web", (backend.Port, 0)));
        server.PublishListeners("l1", HttpListener("http_listener", listenerPort, "http_routes"));
        server.PublishRoutes("r1", Routes("http_routes", "web"));
        await server.WaitForAckAsync(Types.Route, "r1");
        await AgentRunner.WaitUntilAsync(() => agent.Listeners.AllWarm && agent.Clusters.AllWarm, "the listener and cluster are warm");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < 3; i++)
        {
            (await client.GetAsync($"http://127.0.0.1:{listenerPort}/")).EnsureSuccessStatusCode();
        }

        var ready = await agent.Admin.GetAsync("/ready");
        var clusters = await agent.Admin.GetStringAsync("/clusters");
        var stats = await agent.Admin.GetStringAsync("/stats");
        var prometheus = await agent.Admin.GetStringAsync("/stats/prometheus");
        var dump = JsonNode.Parse(await agent.Admin.GetStringAsync("/config_dump"))!;
        var page = await agent.Admin.GetStringAsync("/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("LIVE\n", await ready.Content.ReadAsStringAsync());
        var host = $"web::127.0.0.1:{backend.Port}::";
        Assert.Contains(host + "rq_total::3\n", clusters);
        Assert.Contains(host + "health_flags::healthy\n", clusters);
        Assert.Contains(host + "priority::0\n", clusters);
        Assert.Contains(host + "weight::1\n", clusters);
        Assert.Contains("cluster.web.upstream_rq_total: 3\n", stats);
        Assert.Contains("cluster.web.upstream_rq_200: 3\n", stats);
        Assert.Contains("cluster.web.upstream_cx_total: 1\n", stats);
        Assert.Contains("envoy_cluster_upstream_rq_total{envoy_cluster_name=\"web\"} 3\n", prometheus);
        Assert.Equal("c1", dump["configs"]![0]!["version_info"]!.GetValue<string>());
        Assert.Equal("web", dump["configs"]![0]!["dynamic_active_clusters"]![0]!["cluster"]!["name"]!.GetValue<string>());
        Assert.Equal("l1", dump["configs"]![2]!["dynamic_listeners"]![0]!["active_state"]!["version_info"]!.GetValue<string>());
        Assert.Contains($"127.0.0.1:{backend.Port}", page);
    }

    [Theory]
    [InlineData("cluster.web.upstream_rq_total", "envoy_cluster_upstream_rq_total", "{envoy_cluster_name=\"web\"}")]
    [InlineData("cluster.primary.outlier_detection.ejections_active", "envoy_cluster_outlier_detection_ejections_active", "{envoy_cluster_name=\"primary\"}")]
    [InlineData("redis.redis.command.get.total", "envoy_redis_command_total", "{envoy_redis_prefix=\"redis\",envoy_redis_cmd=\"get\"}")]
    [InlineData("cluster.web.upstream_rq_503", "envoy_cluster_upstream_rq", "{envoy_cluster_name=\"web\",envoy_response_code=\"503\"}")]
    [InlineData("cluster.web.upstream_rq_2xx", "envoy_cluster_upstream_rq_xx", "{envoy_cluster_name=\"web\",envoy_response_code_class=\"2\"}")]
    [InlineData("http.ingress_http.downstream_rq_total", "envoy_http_downstream_rq_total", "{envoy_http_conn_manager_prefix=\"ingress_http\"}")]
    public void Split_EnvoyStatName_ExtractsTags(string stat, string expectedName, string expectedLabels)
    {
        var (name, labels) = PrometheusFormatter.Split(stat);

        Assert.Equal(expectedName, name);
        Assert.Equal(expectedLabels, labels);
    }
}
