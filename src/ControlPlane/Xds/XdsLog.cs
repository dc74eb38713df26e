namespace ControlPlane.Xds;

/// <summary>The xDS server's log messages. Event ids 1000-1099 belong to this area.</summary>
internal static partial class XdsLog
{
    [LoggerMessage(EventId = 1000, EventName = "StreamOpened", Level = LogLevel.Information,
        Message = "xDS stream opened by node {NodeId} (cluster {NodeCluster}) on {Method}")]
    public static partial void StreamOpened(ILogger logger, string nodeId, string nodeCluster, string method);

    [LoggerMessage(EventId = 1001, EventName = "StreamClosed", Level = LogLevel.Information,
        Message = "xDS stream of node {NodeId} on {Method} closed")]
    public static partial void StreamClosed(ILogger logger, string nodeId, string method);

    [LoggerMessage(EventId = 1002, EventName = "StreamAborted", Level = LogLevel.Debug,
        Message = "xDS stream of node {NodeId} on {Method} ended because the client went away")]
    public static partial void StreamAborted(ILogger logger, string nodeId, string method, Exception exception);

    [LoggerMessage(EventId = 1003, EventName = "NodeMissing", Level = LogLevel.Warning,
        Message = "Rejected an xDS stream from {Peer} on {Method}: its first request has no node.id")]
    public static partial void NodeMissing(ILogger logger, string peer, string method);

    [LoggerMessage(EventId = 1004, EventName = "ResponseSent", Level = LogLevel.Debug,
        Message = "Sent {TypeUrl} version {Version} to node {NodeId}: {ResourceCount} resources, nonce {Nonce}")]
    public static partial void ResponseSent(ILogger logger, string nodeId, string typeUrl, string version, int resourceCount, string nonce);

    [LoggerMessage(EventId = 1005, EventName = "AckReceived", Level = LogLevel.Debug,
        Message = "Node {NodeId} acknowledged {TypeUrl} version {Version}")]
    public static partial void AckReceived(ILogger logger, string nodeId, string typeUrl, string version);

    [LoggerMessage(EventId = 1006, EventName = "NackReceived", Level = LogLevel.Warning,
        Message = "Node {NodeId} rejected {TypeUrl} version {Version} (NACK): {ErrorMessage}. The server sends that type again only after it changes")]
    public static partial void NackReceived(ILogger logger, string nodeId, string typeUrl, string version, string errorMessage);

    [LoggerMessage(EventId = 1007, EventName = "StaleNonceIgnored", Level = LogLevel.Debug,
        Message = "Ignored a {TypeUrl} request from node {NodeId} with stale nonce {Nonce}; the last response sent has nonce {LastNonce}")]
    public static partial void StaleNonceIgnored(ILogger logger, string nodeId, string typeUrl, string nonce, string lastNonce);

    [LoggerMessage(EventId = 1008, EventName = "UnknownTypeUrl", Level = LogLevel.Warning,
        Message = "Ignored a request from node {NodeId} for type URL '{TypeUrl}', which this server does not serve; further ones on this stream are only counted")]
    public static partial void UnknownTypeUrl(ILogger logger, string nodeId, string typeUrl);

    [LoggerMessage(EventId = 1009, EventName = "WrongTypeUrl", Level = LogLevel.Warning,
        Message = "Rejected a request from node {NodeId} on {Method} for type URL '{TypeUrl}'; this service serves {ExpectedTypeUrl}")]
    public static partial void WrongTypeUrl(ILogger logger, string nodeId, string method, string typeUrl, string expectedTypeUrl);

    [LoggerMessage(EventId = 1010, EventName = "DeltaResponseSent", Level = LogLevel.Debug,
        Message = "Sent delta {TypeUrl} version {Version} to node {NodeId}: {ResourceCount} resources, {RemovedCount} removed, nonce {Nonce}")]
    public static partial void DeltaResponseSent(
        ILogger logger, string nodeId, string typeUrl, string version, int resourceCount, int removedCount, string nonce);

    [LoggerMessage(EventId = 1011, EventName = "DeltaStaleReply", Level = LogLevel.Debug,
        Message = "Node {NodeId} replied to an older delta {TypeUrl} response (nonce {Nonce}, last sent {LastNonce}); its subscription changes apply, its ACK or NACK does not count")]
    public static partial void DeltaStaleReply(ILogger logger, string nodeId, string typeUrl, string nonce, string lastNonce);

    [LoggerMessage(EventId = 1012, EventName = "DeltaNackReceived", Level = LogLevel.Warning,
        Message = "Node {NodeId} rejected delta {TypeUrl} version {Version} (NACK): {ErrorMessage}. The server sends the rejected resources again only after they change")]
    public static partial void DeltaNackReceived(ILogger logger, string nodeId, string typeUrl, string version, string errorMessage);

    [LoggerMessage(EventId = 1013, EventName = "StreamsStillOpen", Level = LogLevel.Warning,
        Message = "{Count} xDS streams had not written their closing status {Seconds} s after shutdown began; the web server closes their connections now")]
    public static partial void StreamsStillOpen(ILogger logger, int count, double seconds);
}
