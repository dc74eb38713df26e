using ControlPlane.Snapshots;
using ControlPlane.Xds.Delta;
using Envoy.Service.Discovery.V3;
using Grpc.Core;

namespace ControlPlane.Xds;

/// <summary>
/// The entry point of every xDS call, and the shared parts its stream uses. A singleton: each call
/// gets its own <see cref="XdsStream"/> (state of the world) or <see cref="DeltaStream"/> (incremental).
/// </summary>
internal sealed class XdsStreamHandler(
    SnapshotCache cache,
    NodeRegistry registry,
    XdsMetrics metrics,
    TimeProvider timeProvider,
    StreamDrain drain,
    ILogger<XdsStream> logger)
{
    public SnapshotCache Cache { get; } = cache;

    public NodeRegistry Registry { get; } = registry;

    public XdsMetrics Metrics { get; } = metrics;

    public TimeProvider TimeProvider { get; } = timeProvider;

    public ILogger Logger { get; } = logger;

    /// <summary>Fires when the host starts to stop, so that open streams end instead of holding up shutdown.</summary>
    public CancellationToken Stopping { get; } = drain.Stopping;

    /// <summary>Serves one state-of-the-world stream; <paramref name="serviceTypeUrl"/> is null on ADS.</summary>
    public Task RunStreamAsync(
        IAsyncStreamReader<DiscoveryRequest> requests,
        IServerStreamWriter<DiscoveryResponse> responses,
        ServerCallContext context,
        string? serviceTypeUrl)
    {
        drain.Track(context);
        var stream = new XdsStream(this, requests, responses, context.Method, serviceTypeUrl);
        return stream.RunAsync(context);
    }

    /// <summary>Serves one incremental (delta) stream; <paramref name="serviceTypeUrl"/> is null on ADS.</summary>
    public Task RunDeltaStreamAsync(
        IAsyncStreamReader<DeltaDiscoveryRequest> requests,
        IServerStreamWriter<DeltaDiscoveryResponse> responses,
        ServerCallContext context,
        string? serviceTypeUrl)
    {
        drain.Track(context);
        var stream = new DeltaStream(this, requests, responses, context.Method, serviceTypeUrl);
        return stream.RunAsync(context);
    }

    /// <summary>
    /// Serves a unary Fetch: the current resources of <paramref name="typeUrl"/>, all of them for
    /// CDS and LDS, the requested ones that exist for EDS and RDS. It keeps no state and no nonce.
    /// </summary>
    public Task<DiscoveryResponse> Fetch(DiscoveryRequest request, ServerCallContext context, string typeUrl)
    {
        if (request.Node is not { Id.Length: > 0 })
        {
            XdsLog.NodeMissing(Logger, context.Peer, context.Method);
            Metrics.CallRejected("missing_node");
            throw XdsErrors.NodeRequired("a fetch request");
        }

        if (request.TypeUrl.Length > 0 && request.TypeUrl != typeUrl)
        {
            XdsLog.WrongTypeUrl(Logger, request.Node.Id, context.Method, request.TypeUrl, typeUrl);
            Metrics.CallRejected("wrong_type_url");
            throw XdsErrors.WrongTypeUrl(context.Method, request.TypeUrl, typeUrl);
        }

        var current = Cache.Current[typeUrl];
        var subscription = new TypeSubscription(typeUrl);
        subscription.UpdateNames(request.ResourceNames);
        var response = subscription.BuildResponseIfNeeded(current)
            ?? new DiscoveryResponse { TypeUrl = typeUrl, VersionInfo = current.Version };
        return Task.FromResult(response);
    }
}
