using Tests.Shared;
using Agent.Clusters;
using Agent.Health;
using Agent.Stats;
using Agent.Tests.Support;
using Envoy.Config.Core.V3;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static Agent.Tests.Support.TestResources;

namespace Agent.Tests.Health;

public sealed class ActiveHealthCheckerTests
{
    private static ClusterSettings HttpChecked(string path)
    {
        var cluster = EdsCluster("web");
        cluster.HealthChecks.Add(new HealthCheck
        {
            Timeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
            Interval = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
            UnhealthyThreshold = 1,
            HealthyThreshold = 1,
            HttpHealthCheck = new HealthCheck.Types.HttpHealthCheck { Path = path },
        });
        var errors = new List<string>();
        var settings = ClusterSettings.From(cluster, errors);
        Assert.Empty(errors);
        return settings!;
    }

    private static async Task<UpstreamCluster> CheckedClusterAsync(HealthCheck check, int port, uint unhealthyThreshold = 1)
    {
        check.Timeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5));
        check.Interval = Duration.FromTimeSpan(TimeSpan.FromSeconds(1));
        check.UnhealthyThreshold = unhealthyThreshold;
        check.HealthyThreshold = 1;
        var proto = EdsCluster("cache");
        proto.HealthChecks.Add(check);
        var errors = new List<string>();
        var settings = ClusterSettings.From(proto, errors);
        Assert.Empty(errors);
        var cluster = new UpstreamCluster(settings!, new StatsStore(), new FakeTimeProvider(), NullLoggerFactory.Instance, "v1");
        cluster.UpdateEndpoints(EndpointAssignment.From(Endpoints("cache", (port, 0)), "", [])!);
        await Task.CompletedTask;
        return cluster;
    }

    private static HealthCheck RedisCheck(string? key)
    {
        var redis = new Envoy.Extensions.HealthCheckers.Redis.V3.Redis { Key = key ?? "" };
        return new HealthCheck
        {
            CustomHealthCheck = new HealthCheck.Types.CustomHealthCheck { Name = "envoy.health_checkers.redis", TypedConfig = Any.Pack(redis) },
        };
    }

    [Fact]
    public async Task RunOnce_RedisPing_HealthyThenUnhealthyWhenStopped()
    {
        var redis = await RedisServer.StartAsync();
        await using var cluster = await CheckedClusterAsync(RedisCheck(null), redis.Port);
        var host = cluster.Hosts!.All.Single();

        await cluster.HealthCheckers.Single().RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(host.IsHealthy);

        await redis.DisposeAsync();
        await cluster.HealthCheckers.Single().RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(host.IsHealthy);
    }

    [Fact]
    public async Task RunOnce_RedisMaintenanceKeySet_MarksUnhealthy()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var cluster = await CheckedClusterAsync(RedisCheck("maintenance"), redis.Port);
        var host = cluster.Hosts!.All.Single();
        var checker = cluster.HealthCheckers.Single();

        await checker.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(host.IsHealthy);

        Assert.Equal("+OK", await redis.CommandAsync("SET", "maintenance", "1"));
        await checker.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(host.IsHealthy);
    }

    [Fact]
    public async Task RunOnce_TcpConnectOnly_FollowsListenerState()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        await using var cluster = await CheckedClusterAsync(new HealthCheck { TcpHealthCheck = new HealthCheck.Types.TcpHealthCheck() }, port);
        var host = cluster.Hosts!.All.Single();
        var checker = cluster.HealthCheckers.Single();

        await checker.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(host.IsHealthy);

        listener.Stop();
        await checker.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(host.IsHealthy);
    }

    [Fact]
    public async Task RunOnce_BackendFailsThenRecovers_MarksUnhealthyThenHealthy()
    {
        await using var backend = await HttpBackend.StartAsync("backend-1");
        var stats = new StatsStore();
        await using var cluster = new UpstreamCluster(HttpChecked("/healthz"), stats, new FakeTimeProvider(), NullLoggerFactory.Instance, "v1");
        cluster.UpdateEndpoints(EndpointAssignment.From(Endpoints("web", (backend.Port, 0)), "", [])!);
        var host = cluster.Hosts!.All.Single();
        var checker = cluster.HealthCheckers.Single();
        Assert.Equal(HostHealthFlags.FailedActiveHealthCheck | HostHealthFlags.PendingActiveHealthCheck, host.Flags);

        await checker.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(host.IsHealthy);

        backend.Healthy = false;
        await checker.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HostHealthFlags.FailedActiveHealthCheck, host.Flags);
        Assert.Equal("/failed_active_hc", HostHealthFlagsText.Format(host.Flags));

        backend.Healthy = true;
        await checker.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(host.IsHealthy);
        Assert.Equal(2, stats.Counter("cluster.web.health_check.success").Value);
        Assert.Equal(1, stats.Counter("cluster.web.health_check.failure").Value);
    }

    [Fact]
    public async Task RunOnce_UnexpectedHttpStatusAboveThreshold_MarksUnhealthyAtOnce()
    {
        // Envoy ignores unhealthy_threshold when a host responds with a status outside
        // expected_statuses. Only network failures and timeouts count towards it.
        await using var backend = await HttpBackend.StartAsync("backend-1");
        var proto = EdsCluster("web");
        proto.HealthChecks.Add(new HealthCheck
        {
            Timeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
            Interval = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
            UnhealthyThreshold = 3,
            HealthyThreshold = 1,
            HttpHealthCheck = new HealthCheck.Types.HttpHealthCheck { Path = "/healthz" },
        });
        var errors = new List<string>();
        var settings = ClusterSettings.From(proto, errors);
        Assert.Empty(errors);
        await using var cluster = new UpstreamCluster(settings!, new StatsStore(), new FakeTimeProvider(), NullLoggerFactory.Instance, "v1");
        cluster.UpdateEndpoints(EndpointAssignment.From(Endpoints("web", (backend.Port, 0)), "", [])!);
        var host = cluster.Hosts!.All.Single();
        var checker = cluster.HealthCheckers.Single();
        await checker.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(host.IsHealthy);

        backend.Healthy = false;
        await checker.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HostHealthFlags.FailedActiveHealthCheck, host.Flags);
    }

    [Fact]
    public async Task RunOnce_RedisKeySetAboveThreshold_MarksUnhealthyAtOnce()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var cluster = await CheckedClusterAsync(RedisCheck("maintenance"), redis.Port, unhealthyThreshold: 3);
        var host = cluster.Hosts!.All.Single();
        var checker = cluster.HealthCheckers.Single();
        await checker.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(host.IsHealthy);

        Assert.Equal("+OK", await redis.CommandAsync("SET", "maintenance", "1").WaitAsync(TimeSpan.FromSeconds(10)));
        await checker.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(host.IsHealthy);
    }

    [Fact]
    public async Task RunOnce_ConnectFailureBelowThreshold_StaysHealthy()
    {
        var backend = await HttpBackend.StartAsync("backend-1");
        var proto = EdsCluster("web");
        proto.HealthChecks.Add(new HealthCheck
        {
            Timeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
            Interval = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
            UnhealthyThreshold = 2,
            HealthyThreshold = 1,
            HttpHealthCheck = new HealthCheck.Types.HttpHealthCheck { Path = "/healthz" },
        });
        var errors = new List<string>();
        var settings = ClusterSettings.From(proto, errors);
        Assert.Empty(errors);
        await using var cluster = new UpstreamCluster(settings!, new StatsStore(), new FakeTimeProvider(), NullLoggerFactory.Instance, "v1");
        cluster.UpdateEndpoints(EndpointAssignment.From(Endpoints("web", (backend.Port, 0)), "", [])!);
        var host = cluster.Hosts!.All.Single();
        var checker = cluster.HealthCheckers.Single();
        await checker.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await backend.DisposeAsync();

        await checker.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(host.IsHealthy);
        await checker.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(host.IsHealthy);
    }

    [Fact]
    public async Task RunOnce_PassingCheck_ReturnsEjectedHost()
    {
        await using var backend = await HttpBackend.StartAsync("backend-1");
        var settings = HttpChecked("/healthz") with { Outlier = new OutlierSettings { Consecutive5xx = 1, MaxEjectionPercent = 100 } };
        await using var cluster = new UpstreamCluster(settings, new StatsStore(), new FakeTimeProvider(), NullLoggerFactory.Instance, "v1");
        cluster.UpdateEndpoints(EndpointAssignment.From(Endpoints("web", (backend.Port, 0)), "", [])!);
        var host = cluster.Hosts!.All.Single();
        host.RecordHttpStatus(500);
        Assert.True(host.Flags.HasFlag(HostHealthFlags.FailedOutlierCheck));

        await cluster.HealthCheckers.Single().RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(host.IsHealthy);
    }

    [Fact]
    public async Task RunOnce_FailedHostPassesOnceBelowHealthyThreshold_StaysEjected()
    {
        // A host that failed active health checking is returned by healthy_threshold passes, not one.
        await using var backend = await HttpBackend.StartAsync("backend-1");
        var proto = EdsCluster("web");
        proto.HealthChecks.Add(new HealthCheck
        {
            Timeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
            Interval = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
            UnhealthyThreshold = 1,
            HealthyThreshold = 2,
            HttpHealthCheck = new HealthCheck.Types.HttpHealthCheck { Path = "/healthz" },
        });
        var errors = new List<string>();
        var settings = ClusterSettings.From(proto, errors)! with { Outlier = new OutlierSettings { Consecutive5xx = 1, MaxEjectionPercent = 100 } };
        Assert.Empty(errors);
        await using var cluster = new UpstreamCluster(settings, new StatsStore(), new FakeTimeProvider(), NullLoggerFactory.Instance, "v1");
        cluster.UpdateEndpoints(EndpointAssignment.From(Endpoints("web", (backend.Port, 0)), "", [])!);
        var host = cluster.Hosts!.All.Single();
        var checker = cluster.HealthCheckers.Single();
        backend.Healthy = false;
        await checker.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));
        host.RecordHttpStatus(500);
        backend.Healthy = true;

        await checker.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HostHealthFlags.FailedActiveHealthCheck | HostHealthFlags.FailedOutlierCheck, host.Flags);

        await checker.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HostHealthFlags.None, host.Flags);
    }

    [Fact]
    public async Task ChooseHost_AllHostsFailedHealthCheck_PanicRoutesToAll()
    {
        var stats = new StatsStore();
        await using var cluster = new UpstreamCluster(HttpChecked("/healthz"), stats, new FakeTimeProvider(), NullLoggerFactory.Instance, "v1");
        cluster.UpdateEndpoints(EndpointAssignment.From(Endpoints("web", (1, 0), (2, 0)), "", [])!);

        var host = cluster.ChooseHost();

        Assert.NotNull(host);
        Assert.Equal(1, stats.Counter("cluster.web.lb_healthy_panic").Value);
    }
}
