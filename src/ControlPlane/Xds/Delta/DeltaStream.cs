using System.Globalization;
using System.Threading.Channels;
using ControlPlane.Snapshots;
using Envoy.Service.Discovery.V3;
using Grpc.Core;

namespace ControlPlane.Xds.Delta;

/// <summary>
/// One incremental (delta) xDS stream: DeltaAggregatedResources (every type on one stream) or a
/// per-type Delta* service. Like <see cref="XdsStream"/>, only its own loop reads requests, sends
/// responses and updates its state, and a publish only wakes the loop through a one-slot signal,
/// so a client that stops reading blocks neither the publish nor any other stream.
/// </summary>
/// <remarks>
/// Per-stream state: this object, the one-slot channel, a <see cref="StreamStatus"/> for the
/// nodes API and up to four <see cref="DeltaSubscription"/>s (see there). Without explicit names
/// that is well under 2 KiB; gRPC's and Kestrel's per-stream buffers come on top.
/// </remarks>
internal sealed class DeltaStream
{
    private readonly XdsStreamHandler _handler;
    private readonly IAsyncStreamReader<DeltaDiscoveryRequest> _requests;
    private readonly IServerStreamWriter<DeltaDiscoveryResponse> _responses;
    private readonly string _method;

    // The type a per-type service serves; null on ADS.
    private readonly string? _serviceTypeUrl;

    // Indexed like TypeUrls.All, which is also the order a pass sends in: clusters before
    // endpoints, listeners before routes.
    private readonly DeltaSubscription?[] _subscriptions = new DeltaSubscription?[TypeUrls.All.Count];
    private readonly Channel<bool> _published = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    // Set from the first request, before anything reads it.
    private StreamStatus _status = null!;
    private long _lastNonce;
    private bool _unknownTypeLogged;

    public DeltaStream(
        XdsStreamHandler handler,
        IAsyncStreamReader<DeltaDiscoveryRequest> requests,
        IServerStreamWriter<DeltaDiscoveryResponse> responses,
        string method,
        string? serviceTypeUrl)
    {
        _handler = handler;
        _requests = requests;
        _responses = responses;
        _method = method;
        _serviceTypeUrl = serviceTypeUrl;
    }

    private ILogger Logger => _handler.Logger;

    /// <summary>
    /// Serves the stream until the client closes it; <see cref="StreamCall.RunAsync"/> says how
    /// each way of ending it is reported.
    /// </summary>
    public Task RunAsync(ServerCallContext context) =>
        StreamCall.RunAsync(_handler, context, _requests, DeltaDiscoveryRequest.Descriptor.FullName, request => request.Node, ServeNodeAsync);

    private async Task ServeNodeAsync(StreamStatus status, DeltaDiscoveryRequest first, CancellationToken cancellationToken)
    {
        _status = status;
        using var watch = _handler.Cache.Watch(_ => _published.Writer.TryWrite(true));
        try
        {
            await HandleRequestAsync(first);
            await ServeAsync(cancellationToken);
        }
        finally
        {
            // Completing the signal ends the pending wait for a publish, which nothing else would.
            _published.Writer.TryComplete();
        }
    }

    private async Task ServeAsync(CancellationToken cancellationToken)
    {
        var nextRequest = _requests.MoveNext(cancellationToken);
        var nextPublish = _published.Reader.WaitToReadAsync(cancellationToken).AsTask();
        while (true)
        {
            // 1. Wait for whichever comes first: a request or a publish.
            var ready = await Task.WhenAny(nextRequest, nextPublish);

            // 2. A request: the client closing its side ends the stream.
            if (ready == nextRequest)
            {
                if (!await nextRequest)
                {
                    return;
                }

                await HandleRequestAsync(_requests.Current);
                nextRequest = _requests.MoveNext(cancellationToken);
                continue;
            }

            // 3. A publish: however many arrived, only the current snapshot matters, and the
            // diff from the stream's baseline to it covers every skipped one.
            await nextPublish;
            _published.Reader.TryRead(out _);
            await SendPendingAsync();
            nextPublish = _published.Reader.WaitToReadAsync(cancellationToken).AsTask();
        }
    }

    private async Task HandleRequestAsync(DeltaDiscoveryRequest request)
    {
        var subscription = FindSubscription(request.TypeUrl);
        if (subscription is null)
        {
            return;
        }

        RecordReply(subscription, request);
        subscription.Update(request, _handler.Cache.Current[subscription.TypeUrl]);
        await SendPendingAsync();
    }

    /// <summary>Returns the request's subscription, or null for a type URL that ADS ignores.</summary>
    private DeltaSubscription? FindSubscription(string typeUrl)
    {
        if (_serviceTypeUrl is not null)
        {
            typeUrl = CheckServiceTypeUrl(typeUrl);
        }
        else if (!TypeUrls.IsKnown(typeUrl))
        {
            IgnoreUnknownType(typeUrl);
            return null;
        }

        return _subscriptions[TypeUrls.IndexOf(typeUrl)] ??= Subscribe(typeUrl);
    }

    private DeltaSubscription Subscribe(string typeUrl)
    {
        _status.Set(typeUrl, TypeStatus.Initial);
        return new DeltaSubscription(typeUrl);
    }

    private string CheckServiceTypeUrl(string typeUrl)
    {
        if (typeUrl.Length == 0 || typeUrl == _serviceTypeUrl)
        {
            return _serviceTypeUrl!;
        }

        XdsLog.WrongTypeUrl(Logger, _status.NodeId, _method, typeUrl, _serviceTypeUrl!);
        _handler.Metrics.CallRejected("wrong_type_url");
        throw XdsErrors.WrongTypeUrl(_method, typeUrl, _serviceTypeUrl!);
    }

    private void IgnoreUnknownType(string typeUrl)
    {
        _handler.Metrics.UnknownTypeUrlIgnored();
        if (!_unknownTypeLogged)
        {
            // Logged once per stream, so a client that repeats the request cannot flood the log.
            _unknownTypeLogged = true;
            XdsLog.UnknownTypeUrl(Logger, _status.NodeId, typeUrl);
        }
    }

    private void RecordReply(DeltaSubscription subscription, DeltaDiscoveryRequest request)
    {
        var status = _status.Get(subscription.TypeUrl)!;
        switch (subscription.TakeReply(request, out var stale))
        {
            case ReplyKind.Ack:
                RecordAck(subscription, status);
                break;
            case ReplyKind.Nack:
                RecordNack(subscription, status, request.ErrorDetail.Message);
                break;
            case ReplyKind.None when stale:
                _handler.Metrics.StaleNonceIgnored();
                XdsLog.DeltaStaleReply(Logger, _status.NodeId, subscription.TypeUrl, request.ResponseNonce, subscription.Nonce ?? "");
                break;
        }
    }

    private void RecordNack(DeltaSubscription subscription, TypeStatus status, string message)
    {
        var typeUrl = subscription.TypeUrl;
        var version = subscription.VersionSent!;
        var nack = new NackStatus(version, message, _handler.TimeProvider.GetUtcNow());
        _status.Set(typeUrl, status with { LastNack = nack });
        _handler.Metrics.NackReceived(typeUrl);
        XdsLog.DeltaNackReceived(Logger, _status.NodeId, typeUrl, version, message);
    }

    private void RecordAck(DeltaSubscription subscription, TypeStatus status)
    {
        var typeUrl = subscription.TypeUrl;
        _status.Set(typeUrl, status with { VersionAcked = subscription.VersionSent });
        _handler.Metrics.AckReceived(typeUrl);
        if (subscription.PushedChangeTimestamp != 0)
        {
            var elapsed = _handler.TimeProvider.GetElapsedTime(subscription.PushedChangeTimestamp);
            _handler.Metrics.ChangeAcknowledged(typeUrl, elapsed);
        }

        XdsLog.AckReceived(Logger, _status.NodeId, typeUrl, subscription.VersionSent!);
    }

    /// <summary>Sends, in <see cref="TypeUrls.All"/> order, what the current snapshot requires for each subscribed type.</summary>
    private async Task SendPendingAsync()
    {
        var snapshot = _handler.Cache.Current;
        foreach (var subscription in _subscriptions)
        {
            if (subscription?.BuildResponseIfNeeded(snapshot[subscription.TypeUrl]) is { } response)
            {
                await SendAsync(subscription, response);
            }
        }
    }

    private async Task SendAsync(DeltaSubscription subscription, DeltaDiscoveryResponse response)
    {
        response.Nonce = (++_lastNonce).ToString(CultureInfo.InvariantCulture);
        await _responses.WriteAsync(response);
        subscription.RecordSent(response);

        var typeUrl = subscription.TypeUrl;
        _status.Set(typeUrl, _status.Get(typeUrl)! with { VersionSent = response.SystemVersionInfo, Nonce = response.Nonce });
        _handler.Metrics.ResponseSent(typeUrl);
        XdsLog.DeltaResponseSent(
            Logger, _status.NodeId, typeUrl, response.SystemVersionInfo, response.Resources.Count, response.RemovedResources.Count, response.Nonce);
    }
}
