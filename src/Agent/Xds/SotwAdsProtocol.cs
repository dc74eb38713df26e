using Agent.Bootstrap;
using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Grpc.Core;
using AdsServiceClient = Envoy.Service.Discovery.V3.AggregatedDiscoveryService.AggregatedDiscoveryServiceClient;

namespace Agent.Xds;

/// <summary>
/// State-of-the-world ADS (api_type GRPC): every response carries the complete set of its type
/// (for EDS and RDS, of the names requested), and every request repeats the names and the version
/// last accepted.
/// </summary>
internal sealed class SotwAdsProtocol(
    AgentBootstrap bootstrap, XdsConfigApplier applier, XdsStatus status, TimeProvider time, ILogger logger)
    : AdsProtocol<DiscoveryRequest, DiscoveryResponse>(bootstrap, applier, status, time, logger)
{
    private readonly Dictionary<string, AdsTypeState> _types = XdsTypes.All.ToDictionary(t => t, _ => new AdsTypeState());

    protected override AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse> Open(
        AdsServiceClient client, CancellationToken cancellationToken) =>
        client.StreamAggregatedResources(cancellationToken: cancellationToken);

    protected override void SetNode(DiscoveryRequest request, Node node) => request.Node = node;

    protected override AdsTypeState StateOf(string typeUrl) => _types[typeUrl];

    protected override IEnumerable<DiscoveryRequest> StartStream()
    {
        var requests = new List<DiscoveryRequest>();
        foreach (var (typeUrl, state) in _types)
        {
            state.Nonce = "";
            var wildcard = typeUrl is XdsTypes.Cluster or XdsTypes.Listener;
            if (wildcard || state.Names.Count > 0)
            {
                state.Requested = true;
                requests.Add(Request(typeUrl, state, null));
            }
        }

        return requests;
    }

    protected override async Task<DiscoveryRequest?> HandleResponseAsync(DiscoveryResponse response)
    {
        if (!_types.TryGetValue(response.TypeUrl, out var state))
        {
            XdsLog.UnknownType(Logger, response.TypeUrl);
            return null;
        }

        var result = await ApplyAsync(response, state, response.Nonce);
        return Request(response.TypeUrl, state, result.IsAccepted ? null : result.ErrorDetail);
    }

    protected override DiscoveryRequest SubscriptionRequest(string typeUrl, AdsTypeState state, IReadOnlySet<string> previous) =>
        Request(typeUrl, state, null);

    private static DiscoveryRequest Request(string typeUrl, AdsTypeState state, string? errorDetail)
    {
        var request = new DiscoveryRequest { TypeUrl = typeUrl, VersionInfo = state.Version, ResponseNonce = state.Nonce };
        request.ResourceNames.AddRange(state.Names);
        if (errorDetail is not null)
        {
            request.ErrorDetail = ErrorDetail(errorDetail);
        }

        return request;
    }
}
