namespace Agent.Redis;

/// <summary>
/// Limits the agent applies to every Redis proxy listener. The RedisProxy resource has no fields for
/// them, so they come from the agent's configuration section <c>Agent:RedisProxy</c>.
/// </summary>
public sealed class RedisProxyOptions
{
    public const string SectionName = "Agent:RedisProxy";

    /// <summary>Maximum length of one bulk string in a request, in bytes; Redis' proto-max-bulk-len default is 512 MiB.</summary>
    public long MaxBulkStringBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Maximum number of elements in one request array.</summary>
    public int MaxArrayElements { get; set; } = 1024 * 1024;

    /// <summary>
    /// Maximum sum of a request's bulk string lengths, in bytes. Redis caps a client's query buffer at
    /// 1 GiB; this keeps one request at the size of one maximal bulk string.
    /// </summary>
    public long MaxRequestBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// Maximum requests of one client connection awaiting their replies. Past it the proxy stops
    /// reading from that client until replies go out, so a pipelining client cannot grow memory without bound.
    /// </summary>
    public int MaxPendingRequestsPerConnection { get; set; } = 1024;

    /// <summary>Maximum mirrored requests queued or in flight per mirror policy; more are dropped and counted.</summary>
    public int MirrorQueueCapacity { get; set; } = 1024;
}
