namespace Agent.Redis;

internal static partial class RedisProxyLog
{
    [LoggerMessage(EventId = 4001, EventName = "RedisProxyCreated", Level = LogLevel.Information,
        Message = "Listener {Listener}: redis_proxy with stat_prefix {StatPrefix}, op_timeout {OpTimeout}, {RouteCount} route(s)")]
    public static partial void FilterCreated(this ILogger logger, string listener, string statPrefix, TimeSpan opTimeout, int routeCount);

    [LoggerMessage(EventId = 4002, EventName = "RedisDownstreamProtocolError", Level = LogLevel.Debug,
        Message = "Listener {Listener}: closing client {Client} after a protocol error: {Reason}")]
    public static partial void DownstreamProtocolError(this ILogger logger, string listener, string? client, string reason);

    [LoggerMessage(EventId = 4003, EventName = "RedisUpstreamConnectFailed", Level = LogLevel.Warning,
        Message = "Cluster {Cluster}: connecting to Redis host {Host} failed: {Reason}")]
    public static partial void UpstreamConnectFailed(this ILogger logger, string cluster, string host, string reason);

    [LoggerMessage(EventId = 4004, EventName = "RedisUpstreamTimeout", Level = LogLevel.Warning,
        Message = "Cluster {Cluster}: Redis host {Host} did not reply within op_timeout {OpTimeout}; failing {Pending} pending request(s) and closing the connection")]
    public static partial void UpstreamTimeout(this ILogger logger, string cluster, string host, TimeSpan opTimeout, int pending);

    [LoggerMessage(EventId = 4005, EventName = "RedisUpstreamClosed", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: connection to Redis host {Host} closed ({Reason}); failing {Pending} pending request(s)")]
    public static partial void UpstreamClosed(this ILogger logger, string cluster, string host, string reason, int pending);

    [LoggerMessage(EventId = 4006, EventName = "RedisMirrorDropped", Level = LogLevel.Warning,
        Message = "Listener {Listener}: mirror cluster {Cluster} is behind, dropped {Dropped} mirrored request(s) so far")]
    public static partial void MirrorDropped(this ILogger logger, string listener, string cluster, long dropped);

    [LoggerMessage(EventId = 4007, EventName = "RedisReplyFailed", Level = LogLevel.Error,
        Message = "Listener {Listener}: building a reply failed; the client gets \"upstream failure\"")]
    public static partial void ReplyFailed(this ILogger logger, string listener, Exception exception);
}
