using Agent.Bootstrap;
using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Grpc.Core;
using Grpc.Net.Client;

namespace Agent.Xds;

/// <summary>
/// The ADS stream to the control plane: wildcard CDS and LDS, named EDS and RDS that follow the
/// clusters and listeners. Each response is ACKed when applied and NACKed with the reason when
/// not, in which case the previous config stays. When the stream breaks, the config stays and the
/// client reconnects after a jittered exponential backoff.
/// </summary>
internal sealed class AdsClient : BackgroundService
{
    private readonly AgentBootstrap _bootstrap;
    private readonly XdsConfigApplier _applier;
    private readonly XdsStatus _status;
    private readonly TimeProvider _time;
    private readonly ReconnectBackoff _backoff;
    private readonly ILogger _logger;
    private readonly Dictionary<string, TypeState> _types = XdsTypes.All.ToDictionary(t => t, t => new TypeState());

    public AdsClient(AgentBootstrap bootstrap, XdsConfigApplier applier, XdsStatus status, TimeProvider time,
        ILogger<AdsClient> logger, ReconnectBackoff? backoff = null)
    {
        _bootstrap = bootstrap;
        _applier = applier;
        _status = status;
        _time = time;
        _logger = logger;
        _backoff = backoff ?? new ReconnectBackoff();
    }

    /// <summary>Per type: what this client last requested and accepted. Survives reconnects, as in Envoy.</summary>
    private sealed class TypeState
    {
        public string Version = "";
        public string Nonce = "";
        public SortedSet<string> Names = new(StringComparer.Ordinal);
        public bool Requested;
    }

    /// <summary>Raised before each wait between attempts with the delay chosen; tests read it.</summary>
    public event Action<TimeSpan>? ReconnectScheduled;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var channel = GrpcChannel.ForAddress(_bootstrap.XdsServerAddress, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { ConnectTimeout = _bootstrap.XdsConnectTimeout, EnableMultipleHttp2Connections = false },
        });
        var client = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunStreamAsync(client, stoppingToken);
                XdsLog.StreamClosed(_logger, _bootstrap.XdsServerAddress.ToString(), "the server ended the stream");
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is RpcException or IOException or HttpRequestException or InvalidOperationException)
            {
                XdsLog.StreamClosed(_logger, _bootstrap.XdsServerAddress.ToString(), e.Message);
            }
            catch (Exception e) when (stoppingToken.IsCancellationRequested
                && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                // gRPC reports a call cancelled by its token as RpcException(Cancelled), not as OperationCanceledException.
                return;
            }

            _status.Connected = false;
            var delay = _backoff.Next();
            XdsLog.Reconnecting(_logger, delay);
            ReconnectScheduled?.Invoke(delay);
            try
            {
                await Task.Delay(delay, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RunStreamAsync(AggregatedDiscoveryService.AggregatedDiscoveryServiceClient client, CancellationToken cancellationToken)
    {
        using var call = client.StreamAggregatedResources(cancellationToken: cancellationToken);
        var sender = new RequestSender(call.RequestStream, NodeWithUserAgent(_bootstrap.Node));
        await SendInitialRequestsAsync(sender);
        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            _status.Connected = true;
            _backoff.Reset();
            await HandleResponseAsync(sender, response);
        }
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

    // CDS and LDS first; on a reconnect EDS and RDS follow with the names and versions already held.
    private async Task SendInitialRequestsAsync(RequestSender sender)
    {
        foreach (var (typeUrl, state) in _types)
        {
            state.Nonce = "";
            var wildcard = typeUrl is XdsTypes.Cluster or XdsTypes.Listener;
            if (wildcard || state.Names.Count > 0)
            {
                state.Requested = true;
                await sender.SendAsync(typeUrl, state.Version, "", state.Names, null);
            }
        }
    }

    private async Task HandleResponseAsync(RequestSender sender, DiscoveryResponse response)
    {
        if (!_types.TryGetValue(response.TypeUrl, out var state))
        {
            XdsLog.UnknownType(_logger, response.TypeUrl);
            return;
        }

        var result = await _applier.ApplyAsync(response);
        state.Nonce = response.Nonce;
        var type = XdsTypes.ShortName(response.TypeUrl);
        if (result.IsAccepted)
        {
            state.Version = response.VersionInfo;
            XdsLog.Accepted(_logger, _bootstrap.Node.Id, type, response.VersionInfo, response.Resources.Count);
        }
        else
        {
            XdsLog.Rejected(_logger, _bootstrap.Node.Id, type, response.VersionInfo, result.ErrorDetail);
        }

        _status.Record(response.TypeUrl, new XdsTypeStatus(state.Version, state.Nonce, result.IsAccepted ? null : result.ErrorDetail, _time.GetUtcNow()));
        await sender.SendAsync(response.TypeUrl, state.Version, state.Nonce, state.Names, result.IsAccepted ? null : result.ErrorDetail);
        await UpdateSubscriptionAsync(sender, XdsTypes.Endpoint, _applier.EdsNames);
        await UpdateSubscriptionAsync(sender, XdsTypes.Route, _applier.RdsNames);
    }

    private async Task UpdateSubscriptionAsync(RequestSender sender, string typeUrl, IReadOnlySet<string> names)
    {
        var state = _types[typeUrl];
        if (state.Names.SetEquals(names) && (state.Requested || names.Count == 0))
        {
            return;
        }

        state.Names = new SortedSet<string>(names, StringComparer.Ordinal);
        state.Requested = true;
        XdsLog.SubscriptionChanged(_logger, XdsTypes.ShortName(typeUrl), string.Join(",", state.Names));
        await sender.SendAsync(typeUrl, state.Version, state.Nonce, state.Names, null);
    }

    /// <summary>Writes requests; the node goes on the first message of each stream only.</summary>
    private sealed class RequestSender(IClientStreamWriter<DiscoveryRequest> stream, Node node)
    {
        private bool _nodeSent;

        public async Task SendAsync(string typeUrl, string version, string nonce, IEnumerable<string> names, string? errorDetail)
        {
            var request = new DiscoveryRequest { TypeUrl = typeUrl, VersionInfo = version, ResponseNonce = nonce };
            request.ResourceNames.AddRange(names);
            if (!_nodeSent)
            {
                request.Node = node;
                _nodeSent = true;
            }

            if (errorDetail is not null)
            {
                request.ErrorDetail = new Google.Rpc.Status { Code = (int)StatusCode.InvalidArgument, Message = errorDetail };
            }

            await stream.WriteAsync(request);
        }
    }
}

/// <summary>Log messages of the ADS client (event ids 100-199).</summary>
internal static partial class XdsLog
{
    [LoggerMessage(EventId = 100, EventName = "Accepted", Level = LogLevel.Information,
        Message = "Node {Node}: {Type} version {Version} accepted ({Count} resources)")]
    public static partial void Accepted(ILogger logger, string node, string type, string version, int count);

    [LoggerMessage(EventId = 101, EventName = "Rejected", Level = LogLevel.Warning,
        Message = "Node {Node}: {Type} version {Version} rejected, previous config kept: {Reason}")]
    public static partial void Rejected(ILogger logger, string node, string type, string version, string reason);

    [LoggerMessage(EventId = 102, EventName = "StreamClosed", Level = LogLevel.Warning,
        Message = "ADS stream to {Server} closed: {Reason}")]
    public static partial void StreamClosed(ILogger logger, string server, string reason);

    [LoggerMessage(EventId = 103, EventName = "Reconnecting", Level = LogLevel.Information,
        Message = "Reconnecting to the control plane in {Delay}")]
    public static partial void Reconnecting(ILogger logger, TimeSpan delay);

    [LoggerMessage(EventId = 104, EventName = "SubscriptionChanged", Level = LogLevel.Information,
        Message = "Subscribing {Type} to [{Names}]")]
    public static partial void SubscriptionChanged(ILogger logger, string type, string names);

    [LoggerMessage(EventId = 105, EventName = "UnknownType", Level = LogLevel.Warning,
        Message = "Ignoring a response of unknown type {Type}")]
    public static partial void UnknownType(ILogger logger, string type);
}
