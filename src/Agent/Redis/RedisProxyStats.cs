using System.Collections.Frozen;
using Agent.Redis.Commands;
using Agent.Stats;

namespace Agent.Redis;

/// <summary>The counters of one command under <c>redis.&lt;stat_prefix&gt;.command.&lt;command&gt;.</c>, as Envoy names them.</summary>
internal sealed class CommandStats(StatsStore store, string scope)
{
    public Counter Total { get; } = store.Counter(scope + "total");

    public Counter Success { get; } = store.Counter(scope + "success");

    public Counter Error { get; } = store.Counter(scope + "error");

    public void Record(bool success) => (success ? Success : Error).Increment();
}

/// <summary>
/// A filter's stats under <c>redis.&lt;stat_prefix&gt;.</c>. The downstream and splitter names are Envoy's;
/// the mirror counters are the agent's own, since Envoy keeps no stats for mirrored requests.
/// </summary>
internal sealed class RedisProxyStats
{
    public RedisProxyStats(StatsStore store, string statPrefix)
    {
        var scope = $"redis.{statPrefix}.";
        DownstreamConnectionsTotal = store.Counter(scope + "downstream_cx_total");
        DownstreamConnectionsActive = store.Gauge(scope + "downstream_cx_active");
        DownstreamProtocolErrors = store.Counter(scope + "downstream_cx_protocol_error");
        DownstreamRequestsTotal = store.Counter(scope + "downstream_rq_total");
        DownstreamRequestsActive = store.Gauge(scope + "downstream_rq_active");
        InvalidRequests = store.Counter(scope + "splitter.invalid_request");
        UnsupportedCommands = store.Counter(scope + "splitter.unsupported_command");
        MirrorRequestsTotal = store.Counter(scope + "mirror.rq_total");
        MirrorRequestsDropped = store.Counter(scope + "mirror.rq_dropped");
        MirrorRequestsFailed = store.Counter(scope + "mirror.rq_error");
        Commands = SupportedCommands.Kinds.Keys.ToFrozenDictionary(
            command => command,
            command => new CommandStats(store, $"{scope}command.{command}."),
            StringComparer.Ordinal);
    }

    public Counter DownstreamConnectionsTotal { get; }

    public Gauge DownstreamConnectionsActive { get; }

    public Counter DownstreamProtocolErrors { get; }

    public Counter DownstreamRequestsTotal { get; }

    public Gauge DownstreamRequestsActive { get; }

    public Counter InvalidRequests { get; }

    public Counter UnsupportedCommands { get; }

    public Counter MirrorRequestsTotal { get; }

    public Counter MirrorRequestsDropped { get; }

    /// <summary>Mirrored requests that got no reply from the mirror (no host, connect failure, timeout).</summary>
    public Counter MirrorRequestsFailed { get; }

    public FrozenDictionary<string, CommandStats> Commands { get; }
}
