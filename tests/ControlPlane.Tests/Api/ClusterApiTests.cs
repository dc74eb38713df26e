using System.Net;
using Tests.Shared;

namespace ControlPlane.Tests.Api;

public sealed class ClusterApiTests
{
    [Fact]
    public async Task Post_NewClusterYaml_Returns201WithLocationAndVersion()
    {
        await using var server = await ControlPlaneServer.StartAsync();

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(Resources.StaticCluster("redis")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/v1/clusters/redis", response.Headers.Location?.OriginalString);
        var body = await response.ReadJsonAsync();
        Assert.Equal(1, body.GetProperty("version").GetInt64());
        Assert.Equal("redis", body.GetProperty("resource").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Post_ExistingName_Returns409()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        using var first = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(Resources.StaticCluster("redis")));

        using var second = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(Resources.StaticCluster("redis", 6380)));

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var errors = await second.ReadErrorsAsync();
        Assert.Contains("already exists", Assert.Single(errors["name"]));
    }

    [Theory]
    [InlineData("""{"name":"c1","connect_timeout":"2s","load_assignment":{"cluster_name":"c1","endpoints":[{"lb_endpoints":[{"endpoint":{"address":{"socket_address":{"address":"127.0.0.1","port_value":80}}}}]}]}}""")]
    [InlineData("""{"name":"c1","connectTimeout":"2s","loadAssignment":{"clusterName":"c1","endpoints":[{"lbEndpoints":[{"endpoint":{"address":{"socketAddress":{"address":"127.0.0.1","portValue":80}}}}]}]}}""")]
    public async Task Post_JsonSnakeOrCamelCase_StoresSameCluster(string json)
    {
        await using var server = await ControlPlaneServer.StartAsync();

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Json(json));
        using var get = await server.Api.SendAsync(HttpMethod.Get, "/api/v1/clusters/c1");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var cluster = await get.ReadJsonAsync();
        Assert.Equal("2s", cluster.GetProperty("connect_timeout").GetString());
        Assert.Equal(80, cluster.GetProperty("load_assignment").GetProperty("endpoints")[0]
            .GetProperty("lb_endpoints")[0].GetProperty("endpoint").GetProperty("address")
            .GetProperty("socket_address").GetProperty("port_value").GetInt32());
    }

    [Fact]
    public async Task Get_ListAndMissing_ReturnsArrayAnd404()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        using var a = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(Resources.StaticCluster("a")));
        using var b = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(Resources.StaticCluster("b")));

        using var list = await server.Api.SendAsync(HttpMethod.Get, "/api/v1/clusters");
        using var missing = await server.Api.SendAsync(HttpMethod.Get, "/api/v1/clusters/nope");

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var names = (await list.ReadJsonAsync()).EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Equal(["a", "b"], names);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("name", (await missing.ReadErrorsAsync()).Keys);
    }

    [Fact]
    public async Task Put_NewThenExisting_Returns201Then200()
    {
        await using var server = await ControlPlaneServer.StartAsync();

        using var created = await server.Api.SendAsync(HttpMethod.Put, "/api/v1/clusters/redis", ApiRequests.Yaml(Resources.StaticCluster("redis")));
        using var replaced = await server.Api.SendAsync(HttpMethod.Put, "/api/v1/clusters/redis", ApiRequests.Yaml(Resources.StaticCluster("redis", 6380)));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal(2, (await replaced.ReadJsonAsync()).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Put_NameDiffersFromUrl_Returns400()
    {
        await using var server = await ControlPlaneServer.StartAsync();

        using var response = await server.Api.SendAsync(HttpMethod.Put, "/api/v1/clusters/other", ApiRequests.Yaml(Resources.StaticCluster("redis")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("other", Assert.Single((await response.ReadErrorsAsync())["name"]));
    }

    [Fact]
    public async Task Delete_ExistingThenMissing_Returns204Then404()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        using var created = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(Resources.StaticCluster("redis")));

        using var deleted = await server.Api.SendAsync(HttpMethod.Delete, "/api/v1/clusters/redis");
        using var again = await server.Api.SendAsync(HttpMethod.Delete, "/api/v1/clusters/redis");
        using var get = await server.Api.SendAsync(HttpMethod.Get, "/api/v1/clusters/redis");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Delete_ClusterReferencedByListenerAndRoute_Returns409NamingBoth()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        using var cluster = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(Resources.StaticCluster("redis")));
        using var listener = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/listeners", ApiRequests.Yaml(Resources.TcpListener("tcp", "redis")));
        using var routes = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/routes", ApiRequests.Yaml(Resources.Routes("r", "redis")));

        using var response = await server.Api.SendAsync(HttpMethod.Delete, "/api/v1/clusters/redis");
        using var get = await server.Api.SendAsync(HttpMethod.Get, "/api/v1/clusters/redis");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var messages = (await response.ReadErrorsAsync())["name"];
        Assert.Contains(messages, m => m.Contains("listener 'tcp'") && m.Contains("filter_chains[0].filters[0].typed_config.cluster"));
        Assert.Contains(messages, m => m.Contains("route configuration 'r'") && m.Contains("virtual_hosts[0].routes[0].route.cluster"));
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
    }

    [Fact]
    public async Task PutEndpoints_ExistingCluster_Returns200AndReplacesEndpoints()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        using var created = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(Resources.StaticCluster("redis")));
        const string endpoints = """
            endpoints:
              - lb_endpoints:
                  - endpoint: { address: { socket_address: { address: 127.0.0.2, port_value: 7000 } } }
            """;

        using var response = await server.Api.SendAsync(HttpMethod.Put, "/api/v1/clusters/redis/endpoints", ApiRequests.Yaml(endpoints));
        using var get = await server.Api.SendAsync(HttpMethod.Get, "/api/v1/clusters/redis");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal(2, body.GetProperty("version").GetInt64());
        Assert.Equal("redis", body.GetProperty("resource").GetProperty("cluster_name").GetString());
        var address = (await get.ReadJsonAsync()).GetProperty("load_assignment").GetProperty("endpoints")[0]
            .GetProperty("lb_endpoints")[0].GetProperty("endpoint").GetProperty("address").GetProperty("socket_address");
        Assert.Equal("127.0.0.2", address.GetProperty("address").GetString());
    }

    [Fact]
    public async Task PutEndpoints_MissingClusterOrOtherName_Returns404Or400()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        using var created = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(Resources.StaticCluster("redis")));

        using var missing = await server.Api.SendAsync(HttpMethod.Put, "/api/v1/clusters/nope/endpoints", ApiRequests.Json("{}"));
        using var mismatch = await server.Api.SendAsync(HttpMethod.Put, "/api/v1/clusters/redis/endpoints", ApiRequests.Json("""{"cluster_name":"web"}"""));

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
        Assert.Contains("cluster_name", (await mismatch.ReadErrorsAsync()).Keys);
    }

    [Fact]
    public async Task PutEndpoints_LogicalDnsWithTwoHosts_Returns400()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        var cluster = "type: LOGICAL_DNS\n" + Resources.StaticCluster("dns").Replace("127.0.0.1", "localhost");
        using var created = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(cluster));
        const string endpoints = """
            endpoints:
              - lb_endpoints:
                  - endpoint: { address: { socket_address: { address: a.example, port_value: 80 } } }
                  - endpoint: { address: { socket_address: { address: b.example, port_value: 80 } } }
            """;

        using var response = await server.Api.SendAsync(HttpMethod.Put, "/api/v1/clusters/dns/endpoints", ApiRequests.Yaml(endpoints));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("exactly one endpoint", Assert.Single((await response.ReadErrorsAsync())["endpoints"]));
    }

    [Fact]
    public async Task PutEndpoints_StaticClusterWithHostname_Returns400()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        using var created = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(Resources.StaticCluster("redis")));
        const string endpoints = """
            endpoints:
              - lb_endpoints:
                  - endpoint: { address: { socket_address: { address: redis.example, port_value: 6379 } } }
            """;

        using var response = await server.Api.SendAsync(HttpMethod.Put, "/api/v1/clusters/redis/endpoints", ApiRequests.Yaml(endpoints));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await response.ReadErrorsAsync();
        Assert.Contains("must be an IP address", Assert.Single(errors["endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address"]));
    }

    [Fact]
    public async Task Get_OnXdsPort_IsNotServed()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.XdsPort}"), DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var response = await client.GetAsync("/api/v1/clusters").WaitAsync(ApiRequests.Timeout);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
