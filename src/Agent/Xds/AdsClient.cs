using Agent.Bootstrap;
using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Grpc.Core;
using Grpc.Net.Client;

namespace Agent.Xds;

/// <summary>
/// The ADS connection to the control plane: wildcard CDS and LDS, named EDS and RDS that follow the
/// clusters and listeners, over state-of-the-world or delta ADS as the bootstrap's api_type selects.
/// Each response is ACKed when applied and NACKed with the reason when not, in which case the
/// previous config stays. When the stream breaks, the config stays and the client reconnects
/// after a jittered exponential backoff.
/// </summary>
internal sealed class AdsClient : BackgroundService
{
    private readonly AgentBootstrap _bootstrap;
    private readonly XdsStatus _status;
    private readonly TimeProvider _time;
    private readonly ReconnectBackoff _backoff;
    private readonly ILogger _logger;

    public AdsClient(AgentBootstrap bootstrap, XdsConfigApplier applier, XdsStatus status, TimeProvider time,
        ILogger<AdsClient> logger, ReconnectBackoff? backoff = null)
    {
        _bootstrap = bootstrap;
        _status = status;
        _time = time;
        _logger = logger;
        _backoff = backoff ?? new ReconnectBackoff();
        Protocol = bootstrap.AdsApiType == ApiConfigSource.Types.ApiType.DeltaGrpc
            ? new DeltaAdsProtocol(bootstrap, applier, status, time, logger)
            : new SotwAdsProtocol(bootstrap, applier, status, time, logger);
    }

    /// <summary>The protocol in use; it keeps subscriptions and resources across reconnects.</summary>
    public IAdsProtocol Protocol { get; }

    /// <summary>Raised before each wait between attempts with the delay chosen; tests read it.</summary>
    public event Action<TimeSpan>? ReconnectScheduled;

    // Named in the log, so that an operator sees which protocol the bootstrap chose.
    private string RpcName => _bootstrap.AdsApiType == ApiConfigSource.Types.ApiType.DeltaGrpc
        ? "DeltaAggregatedResources"
        : "StreamAggregatedResources";

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
                XdsLog.StreamOpening(_logger, _bootstrap.XdsServerAddress.ToString(), RpcName);
                await Protocol.RunStreamAsync(client, OnResponse, stoppingToken);
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

    private void OnResponse()
    {
        _status.Connected = true;
        _backoff.Reset();
    }
}
