using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Grpc.Core;

namespace ControlPlane.Tests.Xds;

/// <summary>
/// One client side of a delta xDS stream, as Envoy drives it. Every read times out, so a response
/// the server never sends fails the test instead of hanging it.
/// </summary>
internal sealed class DeltaTestClient : IDisposable
{
    private readonly AsyncDuplexStreamingCall<DeltaDiscoveryRequest, DeltaDiscoveryResponse> _call;
    private readonly Dictionary<string, DeltaDiscoveryResponse> _lastByType = new(StringComparer.Ordinal);
    private bool _nodeSent;

    public DeltaTestClient(AsyncDuplexStreamingCall<DeltaDiscoveryRequest, DeltaDiscoveryResponse> call, string nodeId)
    {
        _call = call;
        NodeId = nodeId;
    }

    public string NodeId { get; }

    /// <summary>Sends a request. Only the first one carries the node, as set_node_on_first_message_only does.</summary>
    public Task SendAsync(DeltaDiscoveryRequest request)
    {
        if (!_nodeSent)
        {
            request.Node ??= new Node { Id = NodeId, Cluster = "test-cluster" };
            _nodeSent = true;
        }

        return _call.RequestStream.WriteAsync(request).WaitAsync(XdsTestClient.Timeout);
    }

    /// <summary>Subscribes to <paramref name="names"/>; with none, the first request of a type is a wildcard subscription.</summary>
    public Task SubscribeAsync(string typeUrl, params string[] names) =>
        SendAsync(new DeltaDiscoveryRequest { TypeUrl = typeUrl, ResourceNamesSubscribe = { names } });

    public Task UnsubscribeAsync(string typeUrl, params string[] names) =>
        SendAsync(new DeltaDiscoveryRequest { TypeUrl = typeUrl, ResourceNamesUnsubscribe = { names } });

    public async Task<DeltaDiscoveryResponse> ReadAsync()
    {
        var hasNext = await _call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(XdsTestClient.Timeout);
        Assert.True(hasNext, "the server closed the stream instead of sending a response");
        var response = _call.ResponseStream.Current;
        _lastByType[response.TypeUrl] = response;
        return response;
    }

    /// <summary>Acknowledges the last response of the type.</summary>
    public Task AckAsync(string typeUrl) =>
        SendAsync(new DeltaDiscoveryRequest { TypeUrl = typeUrl, ResponseNonce = _lastByType[typeUrl].Nonce });

    /// <summary>Rejects the last response of the type.</summary>
    public Task NackAsync(string typeUrl, string message) =>
        SendAsync(new DeltaDiscoveryRequest
        {
            TypeUrl = typeUrl,
            ResponseNonce = _lastByType[typeUrl].Nonce,
            ErrorDetail = new Google.Rpc.Status { Code = (int)StatusCode.InvalidArgument, Message = message },
        });

    /// <summary>
    /// Proves that no response is queued: subscribes to a type the stream has not subscribed to
    /// yet (the server responds to a type's first request at once) and reads that response. The server
    /// handles a stream's requests and publishes in order on one loop, so a response it owed
    /// earlier would arrive first and fail the type check. Works once per type and stream.
    /// </summary>
    public async Task ExpectNothingPendingAsync(string typeUrl)
    {
        await SubscribeAsync(typeUrl);
        var response = await ReadAsync();
        Assert.Equal(typeUrl, response.TypeUrl);
    }

    /// <summary>Drops the responses kept for <see cref="AckAsync"/>, so that a memory measurement counts less of the client.</summary>
    public void ForgetResponses() => _lastByType.Clear();

    public Task CompleteAsync() => _call.RequestStream.CompleteAsync().WaitAsync(XdsTestClient.Timeout);

    public void Dispose() => _call.Dispose();
}
