using Envoy.Service.Discovery.V3;
using Grpc.Core;

namespace ControlPlaneBench.Nodes;

/// <summary>
/// A simulated Envoy on an incremental ADS stream (DeltaAggregatedResources). CDS and LDS start as
/// wildcard subscriptions because their first request names no resources, as the xDS protocol
/// allows. EDS and RDS subscribe and unsubscribe names as clusters and listeners come and go.
/// </summary>
internal sealed class DeltaNode(string id, PushTracker tracker) : SimulatedNode(id, tracker)
{
    // The names subscribed for EDS and RDS, the clusters received and the route configurations
    // each received listener names. The EDS and RDS subscriptions follow the last two.
    private readonly Dictionary<string, HashSet<string>> _subscribed = new() { [EndpointType] = [], [RouteType] = [] };
    private readonly Dictionary<string, string[]> _listenerRoutes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _clusters = new(StringComparer.Ordinal);

    protected override async Task ServeAsync(
        AggregatedDiscoveryService.AggregatedDiscoveryServiceClient client, CancellationToken cancellationToken)
    {
        using var call = client.DeltaAggregatedResources(cancellationToken: cancellationToken);
        var requests = call.RequestStream;
        await requests.WriteAsync(new DeltaDiscoveryRequest { Node = Node, TypeUrl = ClusterType }, cancellationToken);
        await requests.WriteAsync(new DeltaDiscoveryRequest { TypeUrl = ListenerType }, cancellationToken);

        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            Counters.RecordResponse(response.CalculateSize(), response.Resources.Count);
            await requests.WriteAsync(new DeltaDiscoveryRequest { TypeUrl = response.TypeUrl, ResponseNonce = response.Nonce }, cancellationToken);
            Acked(response.TypeUrl);

            if (response.TypeUrl == ClusterType)
            {
                Apply(_clusters, response);
                await FollowAsync(requests, EndpointType, _clusters, cancellationToken);
            }
            else if (response.TypeUrl == ListenerType)
            {
                ApplyListeners(response);
                await FollowAsync(requests, RouteType, _listenerRoutes.Values.SelectMany(names => names).ToHashSet(), cancellationToken);
            }
        }
    }

    private static void Apply(HashSet<string> names, DeltaDiscoveryResponse response)
    {
        names.ExceptWith(response.RemovedResources);
        names.UnionWith(response.Resources.Select(resource => resource.Name));
    }

    private void ApplyListeners(DeltaDiscoveryResponse response)
    {
        foreach (var removed in response.RemovedResources)
        {
            _listenerRoutes.Remove(removed);
        }

        foreach (var resource in response.Resources)
        {
            _listenerRoutes[resource.Name] = RouteNames(resource.Resource_).ToArray();
        }
    }

    /// <summary>Subscribes <paramref name="typeUrl"/> to the names it lacks and unsubscribes those no longer wanted.</summary>
    private async Task FollowAsync(
        IClientStreamWriter<DeltaDiscoveryRequest> requests, string typeUrl, IReadOnlySet<string> wanted, CancellationToken cancellationToken)
    {
        var subscribed = _subscribed[typeUrl];
        var request = new DeltaDiscoveryRequest { TypeUrl = typeUrl };
        request.ResourceNamesSubscribe.AddRange(wanted.Where(name => !subscribed.Contains(name)));
        request.ResourceNamesUnsubscribe.AddRange(subscribed.Where(name => !wanted.Contains(name)));
        if (request.ResourceNamesSubscribe.Count == 0 && request.ResourceNamesUnsubscribe.Count == 0)
        {
            return;
        }

        subscribed.ExceptWith(request.ResourceNamesUnsubscribe);
        subscribed.UnionWith(request.ResourceNamesSubscribe);
        await requests.WriteAsync(request, cancellationToken);
    }
}
