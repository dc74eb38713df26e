using Agent.Bootstrap;
using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Grpc.Core;
using AdsServiceClient = Envoy.Service.Discovery.V3.AggregatedDiscoveryService.AggregatedDiscoveryServiceClient;

namespace Agent.Xds;

/// <summary>
/// Incremental ADS (api_type DELTA_GRPC). A response carries only the resources that changed and
/// the names of removed ones, so the client stores every resource it has received per type and applies the
/// merged, complete set, as under state of the world. Subscriptions change by
/// resource_names_subscribe and resource_names_unsubscribe, and a new stream sends the server the
/// versions already held (initial_resource_versions) so that it sends only what differs.
/// </summary>
internal sealed class DeltaAdsProtocol(
    AgentBootstrap bootstrap, XdsConfigApplier applier, XdsStatus status, TimeProvider time, ILogger logger)
    : AdsProtocol<DeltaDiscoveryRequest, DeltaDiscoveryResponse>(bootstrap, applier, status, time, logger)
{
    private readonly Dictionary<string, DeltaTypeState> _types = XdsTypes.All.ToDictionary(t => t, _ => new DeltaTypeState());

    /// <summary>The resources held per type, by name, with the version the server gave each.</summary>
    private sealed class DeltaTypeState : AdsTypeState
    {
        public Dictionary<string, Resource> Resources = new(StringComparer.Ordinal);
    }

    /// <summary>Returns the name and version of every resource held of <paramref name="typeUrl"/>.</summary>
    public IReadOnlyDictionary<string, string> ResourceVersions(string typeUrl) =>
        _types[typeUrl].Resources.ToDictionary(r => r.Key, r => r.Value.Version, StringComparer.Ordinal);

    protected override AsyncDuplexStreamingCall<DeltaDiscoveryRequest, DeltaDiscoveryResponse> Open(
        AdsServiceClient client, CancellationToken cancellationToken) =>
        client.DeltaAggregatedResources(cancellationToken: cancellationToken);

    protected override void SetNode(DeltaDiscoveryRequest request, Node node) => request.Node = node;

    protected override AdsTypeState StateOf(string typeUrl) => _types[typeUrl];

    // CDS and LDS open with an empty resource_names_subscribe, which is Envoy's legacy wildcard
    // subscription. EDS and RDS subscribe again to their names; an empty list would mean wildcard.
    protected override IEnumerable<DeltaDiscoveryRequest> StartStream()
    {
        var requests = new List<DeltaDiscoveryRequest>();
        foreach (var (typeUrl, state) in _types)
        {
            state.Nonce = "";
            var wildcard = typeUrl is XdsTypes.Cluster or XdsTypes.Listener;
            state.Requested = wildcard || state.Names.Count > 0;
            if (state.Requested)
            {
                requests.Add(OpeningRequest(typeUrl, state));
            }
        }

        return requests;
    }

    protected override async Task<DeltaDiscoveryRequest?> HandleResponseAsync(DeltaDiscoveryResponse response)
    {
        if (!_types.TryGetValue(response.TypeUrl, out var state))
        {
            XdsLog.UnknownType(Logger, response.TypeUrl);
            return null;
        }

        var type = XdsTypes.ShortName(response.TypeUrl);
        XdsLog.DeltaReceived(Logger, Bootstrap.Node.Id, type, response.SystemVersionInfo, response.Resources.Count, response.RemovedResources.Count);
        var errors = new List<string>();
        var merged = Merge(response, state, errors);
        var ack = new DeltaDiscoveryRequest { TypeUrl = response.TypeUrl, ResponseNonce = response.Nonce };
        if (errors.Count > 0)
        {
            ack.ErrorDetail = ErrorDetail(string.Join("; ", errors));
            RecordRejected(response.TypeUrl, state, response.Nonce, response.SystemVersionInfo, ack.ErrorDetail.Message);
            return ack;
        }

        var result = await ApplyAsync(FullSet(response, merged), state, response.Nonce);
        if (result.IsAccepted)
        {
            state.Resources = merged;
        }
        else
        {
            ack.ErrorDetail = ErrorDetail(result.ErrorDetail);
        }

        return ack;
    }

    // Moves the subscription of a named type. Resources whose names are unsubscribed are dropped, so
    // that a later subscription to them receives the server's current resource.
    protected override DeltaDiscoveryRequest SubscriptionRequest(string typeUrl, AdsTypeState state, IReadOnlySet<string> previous)
    {
        // Without a response_nonce, so that the server does not read it as a second ACK.
        var request = new DeltaDiscoveryRequest { TypeUrl = typeUrl };
        request.ResourceNamesSubscribe.AddRange(state.Names.Where(n => !previous.Contains(n)));
        request.ResourceNamesUnsubscribe.AddRange(previous.Where(n => !state.Names.Contains(n)));

        // Replaced, not changed in place, so that ResourceVersions can read it from another thread.
        var typeState = _types[typeUrl];
        typeState.Resources = typeState.Resources.Where(r => state.Names.Contains(r.Key))
            .ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        return request;
    }

    private DeltaDiscoveryRequest OpeningRequest(string typeUrl, DeltaTypeState state)
    {
        var request = new DeltaDiscoveryRequest { TypeUrl = typeUrl };
        request.ResourceNamesSubscribe.AddRange(state.Names);
        foreach (var (name, resource) in state.Resources)
        {
            request.InitialResourceVersions[name] = resource.Version;
        }

        if (state.Resources.Count > 0)
        {
            XdsLog.Resuming(Logger, Bootstrap.Node.Id, XdsTypes.ShortName(typeUrl), state.Resources.Count);
        }

        return request;
    }

    /// <summary>
    /// Returns the resources held with the response's changes and removals applied, and adds a
    /// message to <paramref name="errors"/> for every resource that cannot be used.
    /// </summary>
    private Dictionary<string, Resource> Merge(DeltaDiscoveryResponse response, DeltaTypeState state, List<string> errors)
    {
        var merged = new Dictionary<string, Resource>(state.Resources, StringComparer.Ordinal);
        var wildcard = response.TypeUrl is XdsTypes.Cluster or XdsTypes.Listener;
        foreach (var resource in response.Resources)
        {
            // TODO(xds): a Resource without its resource field is a TTL heartbeat in Envoy; the agent does not support TTLs.
            if (string.IsNullOrEmpty(resource.Name) || resource.Resource_ is null)
            {
                errors.Add($"a resource '{resource.Name}' without a name or without its resource field");
                continue;
            }

            // A response can cross an unsubscribe on the wire, so a resource no longer subscribed is dropped.
            if (!wildcard && !state.Names.Contains(resource.Name))
            {
                XdsLog.NotSubscribed(Logger, Bootstrap.Node.Id, XdsTypes.ShortName(response.TypeUrl), resource.Name, resource.Version);
                continue;
            }

            merged[resource.Name] = resource;
        }

        // TODO(xds): the applier only adds endpoints and routes, so a removed ClusterLoadAssignment or
        // route configuration keeps serving until the cluster or listener that uses it goes away.
        foreach (var name in response.RemovedResources)
        {
            merged.Remove(name);
        }

        return merged;
    }

    // The applier unpacks each Any and checks its type against the response's type.
    private static DiscoveryResponse FullSet(DeltaDiscoveryResponse response, Dictionary<string, Resource> merged)
    {
        var fullSet = new DiscoveryResponse { TypeUrl = response.TypeUrl, VersionInfo = response.SystemVersionInfo };
        fullSet.Resources.AddRange(merged.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Value.Resource_));
        return fullSet;
    }
}
