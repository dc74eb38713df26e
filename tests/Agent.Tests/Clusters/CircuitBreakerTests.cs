using Agent.Clusters;
using Agent.Stats;

namespace Agent.Tests.Clusters;

public sealed class CircuitBreakerTests
{
    [Fact]
    public void TryStartRequest_OverMaxRequests_ReturnsNullAndCountsOverflow()
    {
        var stats = new StatsStore();
        var breakers = new ClusterCircuitBreakers(new CircuitBreakerLimits(1024, 1024, MaxRequests: 2, 3), stats, "web");

        var first = breakers.TryStartRequest();
        var second = breakers.TryStartRequest();
        var third = breakers.TryStartRequest();

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(third);
        Assert.Equal(1, stats.Counter("cluster.web.upstream_rq_pending_overflow").Value);

        first!.Dispose();
        Assert.NotNull(breakers.TryStartRequest());
    }

    [Fact]
    public void TryOpenConnection_OverMaxConnections_CountsCxOverflow()
    {
        var stats = new StatsStore();
        var breakers = new ClusterCircuitBreakers(new CircuitBreakerLimits(1, 1024, 1024, 3), stats, "tcp");

        using var held = breakers.TryOpenConnection();

        Assert.Null(breakers.TryOpenConnection());
        Assert.Equal(1, stats.Counter("cluster.tcp.upstream_cx_overflow").Value);
    }

    [Fact]
    public void From_NoThresholds_UsesEnvoyDefaults()
    {
        var limits = CircuitBreakerLimits.From(null);

        Assert.Equal(1024, limits.MaxConnections);
        Assert.Equal(1024, limits.MaxPendingRequests);
        Assert.Equal(1024, limits.MaxRequests);
        Assert.Equal(3, limits.MaxRetries);
    }
}
