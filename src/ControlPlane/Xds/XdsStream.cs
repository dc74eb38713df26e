using System.Globalization;
using System.Threading.Channels;
using ControlPlane.Snapshots;
using Envoy.Service.Discovery.V3;
using Grpc.Core;

namespace ControlPlane.Xds;

/// <summary>
/// One state-of-the-world xDS stream: ADS (every type on one stream) or a per-type service. Only
/// its own loop reads requests, sends responses and updates the stream's state. A publish only
/// wakes the loop through a one-slot signal, so no stream waits for another.
/// </summary>
internal sealed class XdsStream
{
    private readonly XdsStreamHandler _handler;
    private readonly IAsyncStreamReader<DiscoveryRequest> _requests;
    private readonly IServerStreamWriter<DiscoveryResponse> _responses;
    private readonly string _method;

    // The type a per-type service serves; null on ADS.
    private readonly string? _serviceTypeUrl;

    // Indexed like TypeUrls.All, which is also the order a pass sends in.
    private readonly TypeSubscription?[] _subscriptions = new TypeSubscription?[TypeUrls.All.Count];
    private readonly Channel<bool> _published = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    // Set from the first request, before anything reads it.
    private StreamStatus _status = null!;
    private long _lastNonce;
    private bool _unknownTypeLogged;

    public XdsStream(
        XdsStreamHandler handler,
        IAsyncStreamReader<DiscoveryRequest> requests,
        IServerStreamWriter<DiscoveryResponse> responses,
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
        StreamCall.RunAsync(_handler, context, _requests, DiscoveryRequest.Descriptor.FullName, request => request.Node, ServeNodeAsync);

    private async Task ServeNodeAsync(StreamStatus status, DiscoveryRequest first, CancellationToken cancellationToken)
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

            // 3. A publish: however many arrived, only the current snapshot matters.
            await nextPublish;
            _published.Reader.TryRead(out _);
            await SendPendingAsync();
            nextPublish = _published.Reader.WaitToReadAsync(cancellationToken).AsTask();
        }
    }

    private async Task HandleRequestAsync(DiscoveryRequest request)
    {
        var subscription = FindSubscription(request);
        if (subscription is null)
        {
            return;
        }

        if (subscription.IsStale(request.ResponseNonce))
        {
            _handler.Metrics.StaleNonceIgnored();
            XdsLog.StaleNonceIgnored(Logger, _status.NodeId, subscription.TypeUrl, request.ResponseNonce, subscription.Nonce!);
            return;
        }

        RecordReply(subscription, request);
        subscription.UpdateNames(request.ResourceNames);
        await SendPendingAsync();
    }

    /// <summary>Returns the request's subscription, or null for a type URL that ADS ignores.</summary>
    private TypeSubscription? FindSubscription(DiscoveryRequest request)
    {
        var typeUrl = request.TypeUrl;
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

    private TypeSubscription Subscribe(string typeUrl)
    {
        _status.Set(typeUrl, TypeStatus.Initial);
        return new TypeSubscription(typeUrl);
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

    private void RecordReply(TypeSubscription subscription, DiscoveryRequest request)
    {
        var typeUrl = subscription.TypeUrl;
        var status = _status.Get(typeUrl)!;
        switch (subscription.TakeReply(request))
        {
            case ReplyKind.Ack:
                RecordAck(subscription, status);
                break;
            case ReplyKind.Nack:
                RecordNack(subscription, status, request.ErrorDetail.Message);
                break;
        }
    }

    private void RecordNack(TypeSubscription subscription, TypeStatus status, string message)
    {
        // The rejected version is the one the nonce belongs to; the request's version_info is
        // the last version the node accepted.
        var typeUrl = subscription.TypeUrl;
        var version = subscription.VersionSent!;
        var nack = new NackStatus(version, message, _handler.TimeProvider.GetUtcNow());
        _status.Set(typeUrl, status with { LastNack = nack });
        _handler.Metrics.NackReceived(typeUrl);
        XdsLog.NackReceived(Logger, _status.NodeId, typeUrl, version, message);
    }

    private void RecordAck(TypeSubscription subscription, TypeStatus status)
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

    /// <summary>Sends, in <see cref="TypeUrls.All"/> order, every subscribed type the current snapshot requires.</summary>
    private async Task SendPendingAsync()
    {
        var snapshot = _handler.Cache.Current;
        foreach (var subscription in _subscriptions)
        {
            if (subscription is null)
            {
                continue;
            }

            var current = snapshot[subscription.TypeUrl];
            if (subscription.BuildResponseIfNeeded(current) is { } response)
            {
                await SendAsync(subscription, response, current);
            }
        }
    }

    private async Task SendAsync(TypeSubscription subscription, DiscoveryResponse response, TypeSnapshot current)
    {
        response.Nonce = (++_lastNonce).ToString(CultureInfo.InvariantCulture);
        await _responses.WriteAsync(response);
        subscription.RecordSent(response, current);

        var typeUrl = subscription.TypeUrl;
        _status.Set(typeUrl, _status.Get(typeUrl)! with { VersionSent = response.VersionInfo, Nonce = response.Nonce });
        _handler.Metrics.ResponseSent(typeUrl);
        XdsLog.ResponseSent(Logger, _status.NodeId, typeUrl, response.VersionInfo, response.Resources.Count, response.Nonce);
    }
}
