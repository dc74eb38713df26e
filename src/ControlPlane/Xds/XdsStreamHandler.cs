using ControlPlane.Snapshots;
using Envoy.Service.Discovery.V3;
using Grpc.Core;

namespace ControlPlane.Xds;

/// <summary>
/// The entry point of every state-of-the-world xDS call, and the shared parts its stream uses. A
/// singleton: each call gets its own <see cref="XdsStream"/>.
/// </summary>
internal sealed class XdsStreamHandler(
    SnapshotCache cache,
    NodeRegistry registry,
    XdsMetrics metrics,
    TimeProvider timeProvider,
    ILogger<XdsStream> logger)
{
    public SnapshotCache Cache { get; } = cache;

    public NodeRegistry Registry { get; } = registry;

    public XdsMetrics Metrics { get; } = metrics;

    public TimeProvider TimeProvider { get; } = timeProvider;

    public ILogger Logger { get; } = logger;

    /// <summary>Serves one state-of-the-world stream; <paramref name="serviceTypeUrl"/> is null on ADS.</summary>
    public Task RunStreamAsync(
        IAsyncStreamReader<DiscoveryRequest> requests,
        IServerStreamWriter<DiscoveryResponse> responses,
        ServerCallContext context,
        string? serviceTypeUrl)
    {
        var stream = new XdsStream(this, requests, responses, context.Method, serviceTypeUrl);
        return stream.RunAsync(context);
    }
}
