using System.Net;
using Agent.Clusters;
using Agent.Tests.Support;
using Envoy.Config.Cluster.V3;
using Google.Protobuf.WellKnownTypes;
using Tests.Shared;
using static Agent.Tests.Support.TestResources;
using Types = Agent.Tests.Support.TestAdsServer.Types;

namespace Agent.Tests.Listeners;

public sealed class HttpProxyTests : IAsyncLifetime
{
    private TestAdsServer _server = null!;
    private AgentRunner _agent = null!;
    private HttpBackend _backend1 = null!;
    private HttpBackend _backend2 = null!;
    private readonly int _listenerPort = LoopbackPorts.GetFree();
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task InitializeAsync()
    {
        _server = await TestAdsServer.StartAsync();
        _agent = await AgentRunner.StartAsync(_server.Port);
        _backend1 = await HttpBackend.StartAsync("backend-1");
        _backend2 = await HttpBackend.StartAsync("backend-2");
    }

    private async Task PublishAsync(Action<Cluster>? configureCluster = null)
    {
        _server.PublishClusters("c1", EdsCluster("web", configureCluster));
        _server.PublishEndpoints("e1", Endpoints("web", (_backend1.Port, 0), (_backend2.Port, 0)));
        _server.PublishListeners("l1", HttpListener("http_listener", _listenerPort, "http_routes"));
        await _server.WaitForAckAsync(Types.Listener, "l1");
        _server.PublishRoutes("r1", Routes("http_routes", "web"));
        await _server.WaitForAckAsync(Types.Route, "r1");
        await AgentRunner.WaitUntilAsync(() => _agent.Listeners.AllWarm && _agent.Clusters.AllWarm, "the listener and cluster are warm");
    }

    private Task<HttpResponseMessage> GetAsync(string path = "/") => _client.GetAsync($"http://127.0.0.1:{_listenerPort}{path}");

    [Fact]
    public async Task Request_RoundRobinCluster_AlternatesBetweenBackends()
    {
        await PublishAsync();

        var bodies = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            bodies.Add(await (await GetAsync()).Content.ReadAsStringAsync());
        }

        Assert.Equal(2, bodies.Count(b => b == "backend-1"));
        Assert.Equal(2, bodies.Count(b => b == "backend-2"));
        Assert.NotEqual(bodies[0], bodies[1]);
    }

    [Fact]
    public async Task Request_ThroughAgent_BackendSeesForwardedForRealIpAndHost()
    {
        await PublishAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_listenerPort}/hello");
        request.Headers.Host = "shop.example.com";
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.7");

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains("x-envoy-upstream-service-time"));
        var headers = _backend1.Requests.Concat(_backend2.Requests).Single();
        Assert.Equal("203.0.113.7, 127.0.0.1", headers["X-Forwarded-For"].ToString());
        Assert.Equal("127.0.0.1", headers["X-Real-IP"].ToString());
        Assert.Equal("shop.example.com", headers.Host.ToString());
    }

    [Fact]
    public async Task Request_BackendReturns500_IsEjectedThenOtherBackendServes()
    {
        await PublishAsync(c => c.OutlierDetection = new OutlierDetection
        {
            Consecutive5Xx = 1,
            Interval = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
            BaseEjectionTime = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
            MaxEjectionPercent = 50,
        });
        _backend1.StatusCode = 500;

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add((await GetAsync()).StatusCode);
        }

        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.InternalServerError));
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        var cluster = (UpstreamCluster)_agent.Clusters.GetCluster("web")!;
        var ejected = cluster.Hosts!.All.Single(h => h.IPAddress.Port == _backend1.Port);
        Assert.True(ejected.Flags.HasFlag(HostHealthFlags.FailedOutlierCheck));
    }

    [Fact]
    public async Task Request_EjectedBackendRecovers_ReturnsAfterBaseEjectionTime()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await _agent.DisposeAsync();
        _agent = await AgentRunner.StartAsync(_server.Port, time);
        await PublishAsync(c => c.OutlierDetection = new OutlierDetection
        {
            Consecutive5Xx = 1,
            Interval = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
            BaseEjectionTime = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
            MaxEjectionPercent = 50,
        });
        _backend1.StatusCode = 500;
        for (var i = 0; i < 2; i++)
        {
            await GetAsync();
        }

        _backend1.StatusCode = 200;
        var whileEjected = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            whileEjected.Add(await (await GetAsync()).Content.ReadAsStringAsync());
        }

        time.Advance(TimeSpan.FromSeconds(5));
        var afterReturn = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            afterReturn.Add(await (await GetAsync()).Content.ReadAsStringAsync());
        }

        Assert.All(whileEjected, b => Assert.Equal("backend-2", b));
        Assert.Equal(2, afterReturn.Count(b => b == "backend-1"));
        Assert.Equal(0, _agent.Get<Agent.Stats.StatsStore>().Gauge("cluster.web.outlier_detection.ejections_active").Value);
        Assert.Equal(1, _agent.Get<Agent.Stats.StatsStore>().Counter("cluster.web.outlier_detection.ejections_enforced_total").Value);
    }

    [Fact]
    public async Task Request_RetryOn5xx_RetriesOnOtherBackend()
    {
        _server.PublishClusters("c1", EdsCluster("web"));
        _server.PublishEndpoints("e1", Endpoints("web", (_backend1.Port, 0), (_backend2.Port, 0)));
        _server.PublishListeners("l1", HttpListener("http_listener", _listenerPort, "http_routes"));
        _server.PublishRoutes("r1", Routes("http_routes", "web", a => a.RetryPolicy = new Envoy.Config.Route.V3.RetryPolicy { RetryOn = "5xx", NumRetries = 1 }));
        await _server.WaitForAckAsync(Types.Route, "r1");
        await AgentRunner.WaitUntilAsync(() => _agent.Listeners.AllWarm && _agent.Clusters.AllWarm, "the listener and cluster are warm");
        _backend1.StatusCode = 503;

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await GetAsync()).StatusCode);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.True(_agent.Get<Agent.Stats.StatsStore>().Counter("cluster.web.upstream_rq_retry").Value >= 1);
    }

    [Fact]
    public async Task Request_NoEndpoints_Returns503NoHealthyUpstream()
    {
        _server.PublishClusters("c1", EdsCluster("web"));
        _server.PublishEndpoints("e1", Endpoints("web"));
        _server.PublishListeners("l1", HttpListener("http_listener", _listenerPort, "http_routes"));
        _server.PublishRoutes("r1", Routes("http_routes", "web"));
        await _server.WaitForAckAsync(Types.Route, "r1");
        await AgentRunner.WaitUntilAsync(() => _agent.Listeners.AllWarm && _agent.Clusters.AllWarm, "the listener and cluster are warm");

        using var response = await GetAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("no healthy upstream", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Listener_RdsNotArrived_DoesNotAcceptUntilRoutesArrive()
    {
        _server.PublishClusters("c1", EdsCluster("web"));
        _server.PublishEndpoints("e1", Endpoints("web", (_backend1.Port, 0)));
        _server.PublishListeners("l1", HttpListener("http_listener", _listenerPort, "http_routes"));
        await _server.WaitForAckAsync(Types.Listener, "l1");
        await _server.WaitForRequestAsync(r => r.TypeUrl == Types.Route && r.ResourceNames.Contains("http_routes"));

        await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync());
        Assert.False(_agent.Listeners.AllWarm);

        _server.PublishRoutes("r1", Routes("http_routes", "web"));
        await AgentRunner.WaitUntilAsync(() => _agent.Listeners.AllWarm, "the listener is warm");
        using var response = await GetAsync();

        Assert.Equal("backend-1", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Request_OverMaxRequests_Returns503Overflow()
    {
        await PublishAsync(c => c.CircuitBreakers = new CircuitBreakers
        {
            Thresholds = { new CircuitBreakers.Types.Thresholds { MaxRequests = 0 } },
        });

        using var response = await GetAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("true", response.Headers.GetValues("x-envoy-overloaded").Single());
        Assert.Equal(1, _agent.Get<Agent.Stats.StatsStore>().Counter("cluster.web.upstream_rq_pending_overflow").Value);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _agent.DisposeAsync();
        await _server.DisposeAsync();
        await _backend1.DisposeAsync();
        await _backend2.DisposeAsync();
    }
}
