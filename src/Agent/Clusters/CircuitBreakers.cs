using Agent.Stats;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;

namespace Agent.Clusters;

/// <summary>Limits from the cluster's DEFAULT-priority thresholds (Envoy's default: 1024 each).</summary>
internal sealed record CircuitBreakerLimits(int MaxConnections, int MaxPendingRequests, int MaxRequests, int MaxRetries)
{
    public static CircuitBreakerLimits Default { get; } = new(1024, 1024, 1024, 3);

    public static CircuitBreakerLimits From(Envoy.Config.Cluster.V3.CircuitBreakers? breakers)
    {
        var thresholds = breakers?.Thresholds.FirstOrDefault(t => t.Priority == RoutingPriority.Default);
        if (thresholds is null)
        {
            return Default;
        }

        return new CircuitBreakerLimits(
            (int)(thresholds.MaxConnections ?? 1024),
            (int)(thresholds.MaxPendingRequests ?? 1024),
            (int)(thresholds.MaxRequests ?? 1024),
            (int)(thresholds.MaxRetries ?? 3));
    }
}

/// <summary>Counts open connections, queued and active requests against the cluster's limits.</summary>
internal sealed class ClusterCircuitBreakers(CircuitBreakerLimits limits, StatsStore stats, string clusterName) : ICircuitBreakers
{
    // Index 0: connections, 1: pending requests, 2: active requests.
    private readonly int[] _counts = new int[3];

    public CircuitBreakerLimits Limits => limits;

    public int ActiveRequests => Volatile.Read(ref _counts[2]);

    public IDisposable? TryOpenConnection() => TryTake(0, limits.MaxConnections, "upstream_cx_overflow");

    public IDisposable? TryQueueRequest() => TryTake(1, limits.MaxPendingRequests, "upstream_rq_pending_overflow");

    public IDisposable? TryStartRequest() => TryTake(2, limits.MaxRequests, "upstream_rq_pending_overflow");

    private Lease? TryTake(int index, int limit, string overflowStat)
    {
        if (Interlocked.Increment(ref _counts[index]) > limit)
        {
            Interlocked.Decrement(ref _counts[index]);
            stats.Counter($"cluster.{clusterName}.{overflowStat}").Increment();
            return null;
        }

        return new Lease(_counts, index);
    }

    private sealed class Lease(int[] counts, int index) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref counts[index]);
            }
        }
    }
}
