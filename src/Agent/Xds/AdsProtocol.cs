using Agent.Bootstrap;
using Agent.Clusters;
using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Grpc.Core;
using AdsServiceClient = Envoy.Service.Discovery.V3.AggregatedDiscoveryService.AggregatedDiscoveryServiceClient;

namespace Agent.Xds;

/// <summary>One ADS stream: the part of the protocol that <see cref="AdsClient"/>'s reconnect loop runs per connection.</summary>
internal interface IAdsProtocol
{
    /// <summary>Runs a stream until the server ends it or it fails; calls <paramref name="onResponse"/> on each response.</summary>
    Task RunStreamAsync(AdsServiceClient client, Action onResponse, CancellationToken cancellationToken);
}

/// <summary>Per type: what the client last subscribed to and accepted. Survives reconnects, as in Envoy.</summary>
internal class AdsTypeState
{
    /// <summary>The version last accepted; empty until the first accepted response.</summary>
    public string Version = "";

    /// <summary>The nonce of the last response on the current stream; empty at the start of a stream.</summary>
    public string Nonce = "";

    /// <summary>The resource names subscribed to; only EDS and RDS use it, because CDS and LDS are wildcard.</summary>
    public SortedSet<string> Names = new(StringComparer.Ordinal);

    /// <summary>Whether the server has been sent a request for this type.</summary>
    public bool Requested;
}

/// <summary>
/// The stream loop that state-of-the-world and delta ADS share. Both subscribe to CDS and LDS as
/// wildcards, ACK or NACK every response, and then follow the EDS and RDS names that the applied
/// clusters and listeners need. They differ in the messages they send and in how a response
/// becomes the complete set of resources that <see cref="XdsConfigApplier"/> applies.
/// </summary>
internal abstract class AdsProtocol<TRequest, TResponse>(
    AgentBootstrap bootstrap, XdsConfigApplier applier, XdsStatus status, TimeProvider time, ILogger logger) : IAdsProtocol
    where TRequest : class
    where TResponse : class
{
    /// <summary>Raised before each request is written on the stream; tests read it.</summary>
    public event Action<TRequest>? RequestWriting;

    /// <summary>Raised for each response before it is applied; tests read it.</summary>
    public event Action<TResponse>? ResponseReceived;

    protected AgentBootstrap Bootstrap => bootstrap;

    protected ILogger Logger => logger;

    public async Task RunStreamAsync(AdsServiceClient client, Action onResponse, CancellationToken cancellationToken)
    {
        using var call = Open(client, cancellationToken);
        var node = NodeWithUserAgent(bootstrap.Node);
        var nodeSent = false;

        // Envoy sets the node on the first message of each stream only (set_node_on_first_message_only).
        async Task WriteAsync(TRequest? request)
        {
            if (request is null)
            {
                return;
            }

            if (!nodeSent)
            {
                SetNode(request, node);
                nodeSent = true;
            }

            RequestWriting?.Invoke(request);
            await call.RequestStream.WriteAsync(request);
        }

        // 1. CDS and LDS first; on a reconnect EDS and RDS follow with what is already held.
        foreach (var request in StartStream())
        {
            await WriteAsync(request);
        }

        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            // 2. Apply the response and ACK or NACK it.
            onResponse();
            ResponseReceived?.Invoke(response);
            await WriteAsync(await HandleResponseAsync(response));

            // 3. Follow the EDS and RDS names that the applied clusters and listeners need now.
            await WriteAsync(UpdateSubscription(XdsTypes.Endpoint, applier.EdsNames));
            await WriteAsync(UpdateSubscription(XdsTypes.Route, applier.RdsNames));
        }
    }

    protected abstract AsyncDuplexStreamingCall<TRequest, TResponse> Open(AdsServiceClient client, CancellationToken cancellationToken);

    protected abstract void SetNode(TRequest request, Node node);

    /// <summary>Resets the per-stream state and returns the requests that open the stream.</summary>
    protected abstract IEnumerable<TRequest> StartStream();

    /// <summary>Applies a response and returns its ACK or NACK, or null when there is nothing to send.</summary>
    protected abstract Task<TRequest?> HandleResponseAsync(TResponse response);

    protected abstract AdsTypeState StateOf(string typeUrl);

    /// <summary>Returns the request that moves the subscription of a named type from <paramref name="previous"/> to its state's names.</summary>
    protected abstract TRequest SubscriptionRequest(string typeUrl, AdsTypeState state, IReadOnlySet<string> previous);

    /// <summary>
    /// Applies <paramref name="fullSet"/>, the complete set of one type's resources, and records the
    /// outcome in the type's state and in <see cref="XdsStatus"/>.
    /// </summary>
    protected async Task<ApplyResult> ApplyAsync(DiscoveryResponse fullSet, AdsTypeState state, string nonce)
    {
        var result = await applier.ApplyAsync(fullSet);
        if (!result.IsAccepted)
        {
            RecordRejected(fullSet.TypeUrl, state, nonce, fullSet.VersionInfo, result.ErrorDetail);
            return result;
        }

        state.Nonce = nonce;
        state.Version = fullSet.VersionInfo;
        XdsLog.Accepted(logger, bootstrap.Node.Id, XdsTypes.ShortName(fullSet.TypeUrl), fullSet.VersionInfo, fullSet.Resources.Count);
        status.Record(fullSet.TypeUrl, new XdsTypeStatus(state.Version, nonce, null, time.GetUtcNow()));
        return result;
    }

    /// <summary>Records a rejected response; the type keeps its last accepted version.</summary>
    protected void RecordRejected(string typeUrl, AdsTypeState state, string nonce, string version, string reason)
    {
        state.Nonce = nonce;
        XdsLog.Rejected(logger, bootstrap.Node.Id, XdsTypes.ShortName(typeUrl), version, reason);
        status.Record(typeUrl, new XdsTypeStatus(state.Version, nonce, reason, time.GetUtcNow()));
    }

    /// <summary>A NACK's error_detail: INVALID_ARGUMENT with every reason the response was rejected.</summary>
    protected static Google.Rpc.Status ErrorDetail(string message) =>
        new() { Code = (int)StatusCode.InvalidArgument, Message = message };

    private TRequest? UpdateSubscription(string typeUrl, IReadOnlySet<string> names)
    {
        var state = StateOf(typeUrl);
        if (state.Names.SetEquals(names) && (state.Requested || names.Count == 0))
        {
            return null;
        }

        var previous = state.Names;
        state.Names = new SortedSet<string>(names, StringComparer.Ordinal);
        state.Requested = true;
        XdsLog.SubscriptionChanged(logger, XdsTypes.ShortName(typeUrl), string.Join(",", state.Names));
        return SubscriptionRequest(typeUrl, state, previous);
    }

    // Envoy names itself "envoy" in user_agent_name; the control plane's node list shows this one.
    private static Node NodeWithUserAgent(Node node)
    {
        var sent = node.Clone();
        if (string.IsNullOrEmpty(sent.UserAgentName))
        {
            sent.UserAgentName = "xds-agent";
            sent.UserAgentVersion = typeof(AdsClient).Assembly.GetName().Version?.ToString() ?? "";
        }

        return sent;
    }
}
