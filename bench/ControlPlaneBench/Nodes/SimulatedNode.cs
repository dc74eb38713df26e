using Envoy.Config.Core.V3;
using Envoy.Config.Listener.V3;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ControlPlaneBench.Nodes;

/// <summary>
/// One simulated Envoy on its own ADS stream: it subscribes to CDS and LDS (wildcard), to EDS for
/// the clusters it receives and to RDS for the route configurations its listeners name, and it
/// ACKs every response. It becomes ready once it has ACKed a response of each of the four types.
/// </summary>
internal abstract class SimulatedNode
{
    public const string ClusterType = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    public const string EndpointType = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    public const string ListenerType = "type.googleapis.com/envoy.config.listener.v3.Listener";
    public const string RouteType = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<string> _ackedTypes = [];

    protected SimulatedNode(string id, PushTracker tracker)
    {
        Node = new Node { Id = id, Cluster = "bench" };
        Tracker = tracker;
    }

    public NodeCounters Counters { get; } = new();

    /// <summary>Completes when the node has ACKed all four types; fails when its stream fails first.</summary>
    public Task Ready => _ready.Task;

    protected Node Node { get; }

    protected PushTracker Tracker { get; }

    /// <summary>Serves the stream until <paramref name="cancellationToken"/> is cancelled or the stream fails.</summary>
    public async Task RunAsync(AggregatedDiscoveryService.AggregatedDiscoveryServiceClient client, CancellationToken cancellationToken)
    {
        try
        {
            await ServeAsync(client, cancellationToken);
            _ready.TrySetException(new BenchException($"node {Node.Id}: the control plane closed the stream"));
        }
        catch (RpcException exception) when (cancellationToken.IsCancellationRequested && exception.StatusCode == StatusCode.Cancelled)
        {
            _ready.TrySetCanceled(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _ready.TrySetCanceled(cancellationToken);
        }
        catch (Exception exception)
        {
            _ready.TrySetException(exception);
        }
    }

    protected abstract Task ServeAsync(AggregatedDiscoveryService.AggregatedDiscoveryServiceClient client, CancellationToken cancellationToken);

    /// <summary>Records an ACK the node has just sent.</summary>
    protected void Acked(string typeUrl)
    {
        if (typeUrl == EndpointType)
        {
            Counters.RecordEdsAck(Tracker);
        }

        if (!_ready.Task.IsCompleted && _ackedTypes.Add(typeUrl) && _ackedTypes.Count == 4)
        {
            _ready.TrySetResult();
        }
    }

    /// <summary>The route configurations that the listener's HTTP connection managers fetch over RDS.</summary>
    protected static IEnumerable<string> RouteNames(Any packedListener)
    {
        var listener = packedListener.Unpack<Listener>();
        foreach (var filter in listener.FilterChains.SelectMany(chain => chain.Filters))
        {
            if (filter.TypedConfig is { } config && config.Is(HttpConnectionManager.Descriptor)
                && config.Unpack<HttpConnectionManager>().Rds is { } rds)
            {
                yield return rds.RouteConfigName;
            }
        }
    }
}
