using Agent.Listeners;
using Agent.Redis.Commands;
using Agent.Redis.Upstream;
using Microsoft.AspNetCore.Connections;

namespace Agent.Redis;

/// <summary>One listener's redis_proxy: its routes, its upstream connections and its stats, shared by all its clients.</summary>
internal sealed class RedisProxyFilter : INetworkFilter
{
    private readonly UpstreamPool _pool;
    private readonly CommandSplitter _splitter;
    private readonly RedisProxyStats _stats;
    private readonly RedisProxyOptions _options;
    private readonly ILogger _logger;
    private readonly string _listener;

    public RedisProxyFilter(RedisProxyConfig config, NetworkFilterContext context, RedisProxyOptions options)
    {
        _logger = context.LoggerFactory.CreateLogger("Agent.Redis");
        _listener = context.ListenerName;
        _options = options;
        _stats = new RedisProxyStats(context.Stats, config.StatPrefix);
        _pool = new UpstreamPool(context.Clusters, config.OpTimeout, config.EnableHashtagging, context.Time, _logger, options.MaxBulkStringBytes);
        var mirror = new RequestMirror(_pool, _stats, options.MirrorQueueCapacity, _logger, _listener);
        _splitter = new CommandSplitter(config, _pool, mirror, _stats, context.Time);
    }

    internal RedisProxyStats Stats => _stats;

    public Task OnConnectionAsync(ConnectionContext connection, CancellationToken draining) =>
        new DownstreamSession(connection, _splitter, _stats, _options, _logger, _listener).RunAsync(draining);

    public ValueTask DisposeAsync()
    {
        _pool.CloseAll();
        return ValueTask.CompletedTask;
    }
}
