using Envoy.Config.Cluster.V3;
using Envoy.Service.Discovery.V3;
using Grpc.Core;

namespace ControlPlaneBench.Nodes;

/// <summary>A simulated Envoy on a state-of-the-world ADS stream (StreamAggregatedResources).</summary>
internal sealed class SotwNode(string id, PushTracker tracker) : SimulatedNode(id, tracker)
{
    // The names the node requests for EDS and RDS, and the last response of each type, whose
    // version and nonce a changed subscription must carry.
    private readonly Dictionary<string, string[]> _names = new() { [EndpointType] = [], [RouteType] = [] };
    private readonly Dictionary<string, DiscoveryResponse> _lastResponses = [];

    protected override async Task ServeAsync(
        AggregatedDiscoveryService.AggregatedDiscoveryServiceClient client, CancellationToken cancellationToken)
    {
        using var call = client.StreamAggregatedResources(cancellationToken: cancellationToken);
        var requests = call.RequestStream;

        // Like Envoy with set_node_on_first_message_only, only the first request carries the node.
        await requests.WriteAsync(new DiscoveryRequest { Node = Node, TypeUrl = ClusterType }, cancellationToken);
        await requests.WriteAsync(new DiscoveryRequest { TypeUrl = ListenerType }, cancellationToken);

        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            Counters.RecordResponse(response.CalculateSize(), response.Resources.Count);
            _lastResponses[response.TypeUrl] = response;
            await AckAsync(requests, response, cancellationToken);

            var dependentType = response.TypeUrl switch
            {
                ClusterType => EndpointType,
                ListenerType => RouteType,
                _ => null,
            };
            if (dependentType is not null)
            {
                var names = response.TypeUrl == ClusterType ? ClusterNames(response) : response.Resources.SelectMany(RouteNames);
                await SubscribeAsync(requests, dependentType, names.Distinct().Order(StringComparer.Ordinal).ToArray(), cancellationToken);
            }
        }
    }

    private async Task AckAsync(IClientStreamWriter<DiscoveryRequest> requests, DiscoveryResponse response, CancellationToken cancellationToken)
    {
        var ack = new DiscoveryRequest { TypeUrl = response.TypeUrl, VersionInfo = response.VersionInfo, ResponseNonce = response.Nonce };
        if (_names.TryGetValue(response.TypeUrl, out var names))
        {
            ack.ResourceNames.AddRange(names);
        }

        await requests.WriteAsync(ack, cancellationToken);
        Acked(response.TypeUrl);
    }

    /// <summary>Requests <paramref name="names"/> for EDS or RDS when they differ from the names requested so far.</summary>
    private async Task SubscribeAsync(
        IClientStreamWriter<DiscoveryRequest> requests, string typeUrl, string[] names, CancellationToken cancellationToken)
    {
        if (names.SequenceEqual(_names[typeUrl]))
        {
            return;
        }

        _names[typeUrl] = names;
        var request = new DiscoveryRequest { TypeUrl = typeUrl };
        if (_lastResponses.TryGetValue(typeUrl, out var last))
        {
            request.VersionInfo = last.VersionInfo;
            request.ResponseNonce = last.Nonce;
        }

        request.ResourceNames.AddRange(names);
        await requests.WriteAsync(request, cancellationToken);
    }

    private static IEnumerable<string> ClusterNames(DiscoveryResponse response) =>
        response.Resources.Select(packed => packed.Unpack<Cluster>().Name);
}
