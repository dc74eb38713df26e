using Agent.Redis.Protocol;
using Agent.Redis.Routing;

namespace Agent.Redis.Upstream;

/// <summary>
/// Sends copies of commands to mirror clusters, fire and forget: the client's reply never waits for
/// the mirror, and the mirror's replies are only counted. Each mirror policy may have at most
/// <c>MirrorQueueCapacity</c> copies queued or in flight; past that, copies are dropped and counted.
/// </summary>
internal sealed class RequestMirror(UpstreamPool pool, RedisProxyStats stats, int capacity, ILogger logger, string listener)
{
    private readonly Dictionary<MirrorPolicy, InFlightCount> _inFlight = new();
    private readonly Lock _lock = new();

    public void Send(MirrorPolicy policy, byte[] key, byte[][] command)
    {
        stats.MirrorRequestsTotal.Increment();
        var inFlight = GetCount(policy);
        if (Interlocked.Increment(ref inFlight.Value) > capacity)
        {
            Interlocked.Decrement(ref inFlight.Value);
            stats.MirrorRequestsDropped.Increment();
            var dropped = stats.MirrorRequestsDropped.Value;
            if (dropped % 1000 == 1)
            {
                logger.MirrorDropped(listener, policy.Cluster, dropped);
            }

            return;
        }

        _ = ObserveAsync(pool.Send(policy.Cluster, key, command).Reply, inFlight);
    }

    private async Task ObserveAsync(Task<RespValue> reply, InFlightCount inFlight)
    {
        try
        {
            var value = await reply;
            if (value.IsProxyFailure)
            {
                stats.MirrorRequestsFailed.Increment();
            }
        }
        finally
        {
            Interlocked.Decrement(ref inFlight.Value);
        }
    }

    private InFlightCount GetCount(MirrorPolicy policy)
    {
        lock (_lock)
        {
            if (!_inFlight.TryGetValue(policy, out var count))
            {
                count = new InFlightCount();
                _inFlight[policy] = count;
            }

            return count;
        }
    }

    private sealed class InFlightCount
    {
        public int Value;
    }
}
