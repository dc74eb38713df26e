namespace Agent.Health;

/// <summary>Log messages of active health checking and outlier detection (event ids 300-399).</summary>
internal static partial class AgentHealthLog
{
    [LoggerMessage(EventId = 300, EventName = "HostEjected", Level = LogLevel.Warning,
        Message = "Cluster {Cluster}: ejected host {Host} ({Reason}) for {Duration}")]
    public static partial void HostEjected(ILogger logger, string cluster, string host, string reason, TimeSpan duration);

    [LoggerMessage(EventId = 301, EventName = "HostUnejected", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: host {Host} returned to service")]
    public static partial void HostUnejected(ILogger logger, string cluster, string host);

    [LoggerMessage(EventId = 302, EventName = "HealthCheckFailed", Level = LogLevel.Debug,
        Message = "Cluster {Cluster}: health check of {Host} failed: {Reason}")]
    public static partial void HealthCheckFailed(ILogger logger, string cluster, string host, string reason);

    [LoggerMessage(EventId = 303, EventName = "HostHealthChanged", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: host {Host} is now {State} by active health check")]
    public static partial void HostHealthChanged(ILogger logger, string cluster, string host, string state);
}
