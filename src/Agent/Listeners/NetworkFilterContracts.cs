using Agent.Clusters;
using Agent.Stats;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Connections;

namespace Agent.Listeners;

/// <summary>
/// Builds a terminal network filter from a listener filter's <c>typed_config</c>. One factory a
/// filter type; the listener manager picks it by the <c>Any</c>'s type URL.
/// </summary>
public interface INetworkFilterFactory
{
    /// <summary>The typed_config type URL this factory reads, for example
    /// <c>type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy</c>.</summary>
    string TypeUrl { get; }

    /// <summary>
    /// Validates and builds the filter. Throws <see cref="ConfigRejectedException"/> with the reason
    /// when the config cannot be served; the agent then NACKs the listener and keeps the previous one.
    /// </summary>
    INetworkFilter Create(Any typedConfig, NetworkFilterContext context);
}

/// <summary>What a network filter needs from the agent.</summary>
public sealed record NetworkFilterContext(
    string ListenerName,
    IClusterManager Clusters,
    StatsStore Stats,
    TimeProvider Time,
    ILoggerFactory LoggerFactory);

/// <summary>A terminal network filter: it owns each accepted connection until it closes.</summary>
public interface INetworkFilter : IAsyncDisposable
{
    /// <summary>Serves one downstream connection. <paramref name="draining"/> fires when the listener drains.</summary>
    Task OnConnectionAsync(ConnectionContext connection, CancellationToken draining);
}

/// <summary>A resource the agent cannot serve; the message becomes the NACK's error_detail.</summary>
public sealed class ConfigRejectedException(string message) : Exception(message);
