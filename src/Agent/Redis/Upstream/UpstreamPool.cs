using System.Collections.Concurrent;
using Agent.Clusters;
using Agent.Redis.Protocol;

namespace Agent.Redis.Upstream;

/// <summary>The outcome of routing a command: <see cref="HostFound"/> is false when it never left the proxy for lack of a host.</summary>
internal readonly record struct UpstreamCall(Task<RespValue> Reply, bool HostFound);

/// <summary>
/// A filter's upstream connections, one per cluster and host as Envoy keeps one pool per cluster.
/// Each command picks its host through the cluster (priority, health, ejection, load balancing)
/// with a hash of its key.
/// </summary>
internal sealed class UpstreamPool(IClusterManager clusters, TimeSpan opTimeout, bool enableHashtagging, TimeProvider time, ILogger logger, long maxBulkBytes)
{
    private static readonly Task<RespValue> NoUpstreamHost = Task.FromResult(RespValue.ProxyError(ProxyErrors.NoUpstreamHost));
    private static readonly Task<RespValue> UpstreamFailure = Task.FromResult(RespValue.ProxyError(ProxyErrors.UpstreamFailure));

    private readonly ConcurrentDictionary<(string Cluster, IUpstreamHost Host), UpstreamConnection> _connections = new();
    private readonly Lock _openLock = new();

    /// <param name="command">The command's arguments; the connection encodes them when it writes, so the array must not change afterwards.</param>
    public UpstreamCall Send(string clusterName, byte[] key, byte[][] command)
    {
        var cluster = clusters.GetCluster(clusterName);
        var host = cluster?.ChooseHost(KeyHash.Compute(key, enableHashtagging));
        if (cluster is null || host is null)
        {
            return new UpstreamCall(NoUpstreamHost, HostFound: false);
        }

        // TODO(redis): Envoy's redis_proxy does not apply circuit breakers to requests; the agent applies max_requests.
        var requestSlot = cluster.CircuitBreakers.TryStartRequest();
        if (requestSlot is null)
        {
            return new UpstreamCall(UpstreamFailure, HostFound: true);
        }

        var reply = GetConnection(host, cluster).SendAsync(command, requestSlot, host.BeginRequest());
        return new UpstreamCall(reply, HostFound: true);
    }

    public void CloseAll()
    {
        foreach (var connection in _connections.Values)
        {
            connection.Close();
        }

        _connections.Clear();
    }

    private UpstreamConnection GetConnection(IUpstreamHost host, IUpstreamCluster cluster)
    {
        var key = (cluster.Name, host);
        if (_connections.TryGetValue(key, out var connection) && !connection.IsClosed)
        {
            return connection;
        }

        lock (_openLock)
        {
            if (!_connections.TryGetValue(key, out connection) || connection.IsClosed)
            {
                // TODO(redis): connections to hosts that leave the cluster stay open until they fail or the filter is disposed.
                connection = UpstreamConnection.Open(host, cluster, opTimeout, time, logger, maxBulkBytes);
                _connections[key] = connection;
            }

            return connection;
        }
    }
}

/// <summary>The 64-bit hash a command's key feeds into ring hash or maglev load balancing.</summary>
internal static class KeyHash
{
    /// <summary>
    /// FNV-1a over the key, or, with enable_hashtagging, over the text between the first '{' and the
    /// next '}' when that text is not empty, so related keys land on one host as in Redis Cluster.
    /// </summary>
    public static ulong Compute(ReadOnlySpan<byte> key, bool enableHashtagging)
    {
        if (enableHashtagging)
        {
            var open = key.IndexOf((byte)'{');
            var close = open < 0 ? -1 : key[(open + 1)..].IndexOf((byte)'}');
            if (close > 0)
            {
                key = key.Slice(open + 1, close);
            }
        }

        var hash = 14695981039346656037UL;
        foreach (var b in key)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }
}
