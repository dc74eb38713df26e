using ControlPlane.Snapshots;
using Envoy.Service.Cluster.V3;
using Envoy.Service.Discovery.V3;
using Envoy.Service.Endpoint.V3;
using Envoy.Service.Listener.V3;
using Envoy.Service.Route.V3;
using Grpc.Core;

namespace ControlPlane.Xds;

// The gRPC services of xDS v3. Each hands its call to XdsStreamHandler, and the protocol
// lives in XdsStream and TypeSubscription.

internal sealed class AggregatedDiscoveryServiceImpl(XdsStreamHandler xds)
    : AggregatedDiscoveryService.AggregatedDiscoveryServiceBase
{
    public override Task StreamAggregatedResources(
        IAsyncStreamReader<DiscoveryRequest> requestStream,
        IServerStreamWriter<DiscoveryResponse> responseStream,
        ServerCallContext context) =>
        xds.RunStreamAsync(requestStream, responseStream, context, serviceTypeUrl: null);

    public override Task DeltaAggregatedResources(
        IAsyncStreamReader<DeltaDiscoveryRequest> requestStream,
        IServerStreamWriter<DeltaDiscoveryResponse> responseStream,
        ServerCallContext context) =>
        throw DeltaNotImplemented.Create();
}

internal sealed class ClusterDiscoveryServiceImpl(XdsStreamHandler xds)
    : ClusterDiscoveryService.ClusterDiscoveryServiceBase
{
    public override Task StreamClusters(
        IAsyncStreamReader<DiscoveryRequest> requestStream,
        IServerStreamWriter<DiscoveryResponse> responseStream,
        ServerCallContext context) =>
        xds.RunStreamAsync(requestStream, responseStream, context, TypeUrls.Cluster);

    public override Task<DiscoveryResponse> FetchClusters(DiscoveryRequest request, ServerCallContext context) =>
        xds.Fetch(request, context, TypeUrls.Cluster);

    public override Task DeltaClusters(
        IAsyncStreamReader<DeltaDiscoveryRequest> requestStream,
        IServerStreamWriter<DeltaDiscoveryResponse> responseStream,
        ServerCallContext context) =>
        throw DeltaNotImplemented.Create();
}

internal sealed class EndpointDiscoveryServiceImpl(XdsStreamHandler xds)
    : EndpointDiscoveryService.EndpointDiscoveryServiceBase
{
    public override Task StreamEndpoints(
        IAsyncStreamReader<DiscoveryRequest> requestStream,
        IServerStreamWriter<DiscoveryResponse> responseStream,
        ServerCallContext context) =>
        xds.RunStreamAsync(requestStream, responseStream, context, TypeUrls.Endpoint);

    public override Task<DiscoveryResponse> FetchEndpoints(DiscoveryRequest request, ServerCallContext context) =>
        xds.Fetch(request, context, TypeUrls.Endpoint);

    public override Task DeltaEndpoints(
        IAsyncStreamReader<DeltaDiscoveryRequest> requestStream,
        IServerStreamWriter<DeltaDiscoveryResponse> responseStream,
        ServerCallContext context) =>
        throw DeltaNotImplemented.Create();
}

internal sealed class ListenerDiscoveryServiceImpl(XdsStreamHandler xds)
    : ListenerDiscoveryService.ListenerDiscoveryServiceBase
{
    public override Task StreamListeners(
        IAsyncStreamReader<DiscoveryRequest> requestStream,
        IServerStreamWriter<DiscoveryResponse> responseStream,
        ServerCallContext context) =>
        xds.RunStreamAsync(requestStream, responseStream, context, TypeUrls.Listener);

    public override Task<DiscoveryResponse> FetchListeners(DiscoveryRequest request, ServerCallContext context) =>
        xds.Fetch(request, context, TypeUrls.Listener);

    public override Task DeltaListeners(
        IAsyncStreamReader<DeltaDiscoveryRequest> requestStream,
        IServerStreamWriter<DeltaDiscoveryResponse> responseStream,
        ServerCallContext context) =>
        throw DeltaNotImplemented.Create();
}

internal sealed class RouteDiscoveryServiceImpl(XdsStreamHandler xds)
    : RouteDiscoveryService.RouteDiscoveryServiceBase
{
    public override Task StreamRoutes(
        IAsyncStreamReader<DiscoveryRequest> requestStream,
        IServerStreamWriter<DiscoveryResponse> responseStream,
        ServerCallContext context) =>
        xds.RunStreamAsync(requestStream, responseStream, context, TypeUrls.Route);

    public override Task<DiscoveryResponse> FetchRoutes(DiscoveryRequest request, ServerCallContext context) =>
        xds.Fetch(request, context, TypeUrls.Route);

    public override Task DeltaRoutes(
        IAsyncStreamReader<DeltaDiscoveryRequest> requestStream,
        IServerStreamWriter<DeltaDiscoveryResponse> responseStream,
        ServerCallContext context) =>
        throw DeltaNotImplemented.Create();
}

internal static class DeltaNotImplemented
{
    // TODO(xds): serve incremental (delta) xDS. Until then clients must use the state-of-the-world RPCs.
    public static RpcException Create() => new(new Status(
        StatusCode.Unimplemented,
        "delta xDS is not implemented by this control plane; use the state-of-the-world Stream* RPCs (api_type GRPC or AGGREGATED_GRPC)"));
}
