using Grpc.Core;

namespace ControlPlane.Xds;

/// <summary>The gRPC errors the xDS services end a call with, so streams and fetches word them alike.</summary>
internal static class XdsErrors
{
    /// <param name="request">Which request lacked the node, e.g. "the first request of a stream".</param>
    public static RpcException NodeRequired(string request) => new(new Status(
        StatusCode.InvalidArgument,
        $"node is required on {request}: set node.id (and node.cluster) in the client's bootstrap"));

    public static RpcException WrongTypeUrl(string method, string typeUrl, string expectedTypeUrl) => new(new Status(
        StatusCode.InvalidArgument,
        $"type_url '{typeUrl}' is not served by {method}; send {expectedTypeUrl} or leave type_url empty"));

    /// <param name="messageType">The request's protobuf type, e.g. envoy.service.discovery.v3.DeltaDiscoveryRequest.</param>
    public static RpcException UnreadableRequest(string reason, string messageType) =>
        new(new Status(StatusCode.InvalidArgument, $"the request could not be parsed as an {messageType}: {reason}"));
}
