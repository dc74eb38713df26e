using ControlPlane.Snapshots;
using Envoy.Service.Cluster.V3;
using Envoy.Service.Discovery.V3;
using Envoy.Service.Endpoint.V3;
using Envoy.Service.Listener.V3;
using Envoy.Service.Route.V3;
using Grpc.Core;

namespace ControlPlane.Xds;

// The gRPC services of xDS v3. Each hands its call to XdsStreamHandler. The state-of-the-world
// protocol lives in XdsStream and TypeSubscription, the incremental one in Delta/.

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
        xds.RunDeltaStreamAsync(requestStream, responseStream, context, serviceTypeUrl: null);
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
        xds.RunDeltaStreamAsync(requestStream, responseStream, context, TypeUrls.Cluster);
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
        xds.RunDeltaStreamAsync(requestStream, responseStream, context, TypeUrls.Endpoint);
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
        xds.RunDeltaStreamAsync(requestStream, responseStream, context, TypeUrls.Listener);
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
        xds.RunDeltaStreamAsync(requestStream, responseStream, context, TypeUrls.Route);
}
