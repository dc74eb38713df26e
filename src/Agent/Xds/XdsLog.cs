namespace Agent.Xds;

/// <summary>Log messages of the ADS client, state-of-the-world and delta (event ids 100-199).</summary>
internal static partial class XdsLog
{
    [LoggerMessage(EventId = 100, EventName = "Accepted", Level = LogLevel.Information,
        Message = "Node {Node}: {Type} version {Version} accepted ({Count} resources)")]
    public static partial void Accepted(ILogger logger, string node, string type, string version, int count);

    [LoggerMessage(EventId = 101, EventName = "Rejected", Level = LogLevel.Warning,
        Message = "Node {Node}: {Type} version {Version} rejected, previous config kept: {Reason}")]
    public static partial void Rejected(ILogger logger, string node, string type, string version, string reason);

    [LoggerMessage(EventId = 102, EventName = "StreamClosed", Level = LogLevel.Warning,
        Message = "ADS stream to {Server} closed: {Reason}")]
    public static partial void StreamClosed(ILogger logger, string server, string reason);

    [LoggerMessage(EventId = 103, EventName = "Reconnecting", Level = LogLevel.Information,
        Message = "Reconnecting to the control plane in {Delay}")]
    public static partial void Reconnecting(ILogger logger, TimeSpan delay);

    [LoggerMessage(EventId = 104, EventName = "SubscriptionChanged", Level = LogLevel.Information,
        Message = "Subscribing {Type} to [{Names}]")]
    public static partial void SubscriptionChanged(ILogger logger, string type, string names);

    [LoggerMessage(EventId = 105, EventName = "UnknownType", Level = LogLevel.Warning,
        Message = "Ignoring a response of unknown type {Type}")]
    public static partial void UnknownType(ILogger logger, string type);

    [LoggerMessage(EventId = 106, EventName = "DeltaReceived", Level = LogLevel.Debug,
        Message = "Node {Node}: {Type} delta {Version} has {Changed} changed and {Removed} removed resources")]
    public static partial void DeltaReceived(ILogger logger, string node, string type, string version, int changed, int removed);

    [LoggerMessage(EventId = 107, EventName = "NotSubscribed", Level = LogLevel.Warning,
        Message = "Node {Node}: ignoring {Type} resource {Resource} version {Version}, which is not subscribed")]
    public static partial void NotSubscribed(ILogger logger, string node, string type, string resource, string version);

    [LoggerMessage(EventId = 108, EventName = "Resuming", Level = LogLevel.Information,
        Message = "Node {Node}: resuming {Type} with {Count} resource versions held")]
    public static partial void Resuming(ILogger logger, string node, string type, int count);

    [LoggerMessage(EventId = 109, EventName = "StreamOpening", Level = LogLevel.Information,
        Message = "Opening an ADS stream to {Server} ({Rpc})")]
    public static partial void StreamOpening(ILogger logger, string server, string rpc);
}
