using Envoy.Config.Core.V3;
using Grpc.Core;

namespace ControlPlane.Xds;

/// <summary>
/// The part of an xDS stream call that state-of-the-world and delta streams share: the first
/// request's node check, the node's registration, and the status each way of ending the call gets.
/// </summary>
internal static class StreamCall
{
    /// <summary>
    /// Reads the first request and hands it to <paramref name="serveNode"/> until the client closes
    /// the stream. A client that goes away ends the call with no error, a first request without
    /// node.id with InvalidArgument, an unparseable request with InvalidArgument and a stopping
    /// server with Unavailable.
    /// </summary>
    public static async Task RunAsync<TRequest>(
        XdsStreamHandler handler,
        ServerCallContext context,
        IAsyncStreamReader<TRequest> requests,
        string requestType,
        Func<TRequest, Node?> nodeOf,
        Func<StreamStatus, TRequest, CancellationToken, Task> serveNode)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, handler.Stopping);
        var cancellationToken = linked.Token;
        StreamStatus? status = null;
        try
        {
            if (await requests.MoveNext(cancellationToken))
            {
                var first = requests.Current;
                status = CreateStatus(handler, nodeOf(first), context);
                await ServeRegisteredAsync(handler, context.Method, status, () => serveNode(status, first, cancellationToken));
            }
        }
        catch (Exception exception) when (IsUnreadableRequest(exception))
        {
            // Protobuf's parse error is an IOException, so it must be distinguished from a client that went away.
            XdsLog.StreamAborted(handler.Logger, status?.NodeId ?? context.Peer, context.Method, exception);
            handler.Metrics.CallRejected("unreadable_request");
            throw XdsErrors.UnreadableRequest(exception.Message, requestType);
        }
        catch (Exception exception) when (IsClientGone(exception, cancellationToken))
        {
            XdsLog.StreamAborted(handler.Logger, status?.NodeId ?? context.Peer, context.Method, exception);
            if (handler.Stopping.IsCancellationRequested)
            {
                // Envoy treats UNAVAILABLE as a reason to reconnect with backoff.
                throw new RpcException(new Status(StatusCode.Unavailable, "the control plane is shutting down"));
            }
        }
    }

    private static async Task ServeRegisteredAsync(XdsStreamHandler handler, string method, StreamStatus status, Func<Task> serve)
    {
        using var registration = handler.Registry.Register(status);
        handler.Metrics.StreamOpened();
        XdsLog.StreamOpened(handler.Logger, status.NodeId, status.NodeCluster, method);
        try
        {
            await serve();
        }
        finally
        {
            handler.Metrics.StreamClosed();
            XdsLog.StreamClosed(handler.Logger, status.NodeId, method);
        }
    }

    private static StreamStatus CreateStatus(XdsStreamHandler handler, Node? node, ServerCallContext context)
    {
        if (node is not { Id.Length: > 0 })
        {
            XdsLog.NodeMissing(handler.Logger, context.Peer, context.Method);
            handler.Metrics.CallRejected("missing_node");
            throw XdsErrors.NodeRequired("the first request of a stream");
        }

        return new StreamStatus(node.Id, node.Cluster);
    }

    private static bool IsUnreadableRequest(Exception exception) =>
        exception is Google.Protobuf.InvalidProtocolBufferException
        || exception.InnerException is Google.Protobuf.InvalidProtocolBufferException;

    // Kestrel reports a client's RST_STREAM as an IOException from the request stream, sometimes
    // before the call's cancellation token is set.
    private static bool IsClientGone(Exception exception, CancellationToken cancellationToken) =>
        exception is IOException || (cancellationToken.IsCancellationRequested && exception is not RpcException);
}
