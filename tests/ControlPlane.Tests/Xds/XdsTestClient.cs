using ControlPlane.Snapshots;
using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Grpc.Core;

namespace ControlPlane.Tests.Xds;

/// <summary>
/// One client side of a state-of-the-world xDS stream, as Envoy drives it. Every read times out,
/// so a response the server never sends fails the test instead of hanging it.
/// </summary>
internal sealed class XdsTestClient : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse> _call;
    private readonly Dictionary<string, DiscoveryResponse> _lastByType = new(StringComparer.Ordinal);
    private bool _nodeSent;

    public XdsTestClient(
        AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse> call,
        string nodeId = "node-1",
        string nodeCluster = "test-cluster")
    {
        _call = call;
        NodeId = nodeId;
        NodeCluster = nodeCluster;
    }

    public string NodeId { get; }

    public string NodeCluster { get; }

    /// <summary>Sends a request. Only the first one carries the node, as set_node_on_first_message_only does.</summary>
    public Task SendAsync(DiscoveryRequest request)
    {
        if (!_nodeSent)
        {
            request.Node ??= new Node { Id = NodeId, Cluster = NodeCluster };
            _nodeSent = true;
        }

        return _call.RequestStream.WriteAsync(request).WaitAsync(Timeout);
    }

    /// <summary>Subscribes to a type: the first request for it carries no version and no nonce.</summary>
    public Task SubscribeAsync(string typeUrl, params string[] names) =>
        SendAsync(new DiscoveryRequest { TypeUrl = typeUrl, ResourceNames = { names } });

    public async Task<DiscoveryResponse> ReadAsync()
    {
        var hasNext = await _call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout);
        Assert.True(hasNext, "the server closed the stream instead of sending a response");
        var response = _call.ResponseStream.Current;
        _lastByType[response.TypeUrl] = response;
        return response;
    }

    /// <summary>Acknowledges the last response of the type, optionally changing the requested names.</summary>
    public Task AckAsync(string typeUrl, params string[] names)
    {
        var last = _lastByType[typeUrl];
        return SendAsync(new DiscoveryRequest
        {
            TypeUrl = typeUrl,
            VersionInfo = last.VersionInfo,
            ResponseNonce = last.Nonce,
            ResourceNames = { names },
        });
    }

    /// <summary>Rejects the last response of the type, reporting <paramref name="acceptedVersion"/> as still applied.</summary>
    public Task NackAsync(string typeUrl, string acceptedVersion, string message, params string[] names)
    {
        var last = _lastByType[typeUrl];
        return SendAsync(new DiscoveryRequest
        {
            TypeUrl = typeUrl,
            VersionInfo = acceptedVersion,
            ResponseNonce = last.Nonce,
            ResourceNames = { names },
            ErrorDetail = new Google.Rpc.Status { Code = (int)StatusCode.InvalidArgument, Message = message },
        });
    }

    /// <summary>
    /// Proves that no response is queued: subscribes to a type the stream has not subscribed to yet
    /// (LDS unless told otherwise; the server answers it at once) and reads that answer. The server
    /// handles a stream's requests and changes in order on one loop, so a response it owed earlier
    /// would arrive first and fail the type check. Works once per type and stream.
    /// </summary>
    public async Task<DiscoveryResponse> ExpectNothingPendingAsync(string typeUrl = TypeUrls.Listener, params string[] names)
    {
        await SubscribeAsync(typeUrl, names);
        var response = await ReadAsync();
        Assert.Equal(typeUrl, response.TypeUrl);
        return response;
    }

    public Task CompleteAsync() => _call.RequestStream.CompleteAsync().WaitAsync(Timeout);

    public void Dispose() => _call.Dispose();
}
