using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Envoy.Extensions.Filters.Http.Router.V3;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using Google.Protobuf.WellKnownTypes;

namespace ControlPlane.Tests.Conformance;

/// <summary>
/// The resources a proxyless gRPC client needs for <c>xds:///some-service</c>: an API listener
/// named after the service whose HttpConnectionManager takes its routes over RDS and ends its
/// filters with the router, a route configuration whose virtual host matches the service name,
/// and an EDS cluster whose every locality has a weight.
/// </summary>
internal static class ConformanceResources
{
    public const string ServiceName = "some-service";
    public const string RouteName = "some-service-routes";
    public const string ClusterName = "some-service-backends";

    /// <summary>
    /// The listener gRPC looks up for the target. It sets only name and api_listener, as
    /// listener.proto requires of an API listener.
    /// </summary>
    /// <remarks>
    /// NOTE: Envoy installs API listeners from its bootstrap only (as listener.proto documents), and the
    /// control plane serves one listener set to every node, so an Envoy node on the same control
    /// plane would reject this listener. These tests connect only the gRPC client.
    /// </remarks>
    public static Listener ApiListener()
    {
        var manager = new HttpConnectionManager
        {
            StatPrefix = ServiceName,
            Rds = new Rds { RouteConfigName = RouteName, ConfigSource = Ads() },
            HttpFilters =
            {
                new HttpFilter { Name = "envoy.filters.http.router", TypedConfig = Any.Pack(new Router()) },
            },
        };

        return new Listener
        {
            Name = ServiceName,
            ApiListener = new Envoy.Config.Listener.V3.ApiListener { ApiListener_ = Any.Pack(manager) },
        };
    }

    public static RouteConfiguration Routes()
    {
        var route = new Route
        {
            Match = new RouteMatch { Prefix = "" },
            Route_ = new RouteAction { Cluster = ClusterName },
        };

        return new RouteConfiguration
        {
            Name = RouteName,
            VirtualHosts = { new VirtualHost { Name = ServiceName, Domains = { ServiceName }, Routes = { route } } },
        };
    }

    public static Cluster EdsCluster(Cluster.Types.LbPolicy lbPolicy = Cluster.Types.LbPolicy.RoundRobin) => new()
    {
        Name = ClusterName,
        Type = Cluster.Types.DiscoveryType.Eds,
        EdsClusterConfig = new Cluster.Types.EdsClusterConfig { EdsConfig = Ads() },
        ConnectTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
        LbPolicy = lbPolicy,
    };

    /// <summary>
    /// The cluster's endpoints: one locality a backend, at the given priority. The localities keep
    /// their zone when their priority changes, because a locality appears in one priority only.
    /// </summary>
    public static ClusterLoadAssignment Endpoints(params (GrpcBackend Backend, uint Priority)[] backends)
    {
        var assignment = new ClusterLoadAssignment { ClusterName = ClusterName };
        foreach (var (backend, priority) in backends)
        {
            assignment.Endpoints.Add(new LocalityLbEndpoints
            {
                Locality = new Locality { Region = "local", Zone = $"zone-{backend.Name}" },
                LoadBalancingWeight = 1,
                Priority = priority,
                LbEndpoints = { new LbEndpoint { Endpoint = new Endpoint { Address = Loopback(backend.Port) } } },
            });
        }

        return assignment;
    }

    private static ConfigSource Ads() => new()
    {
        Ads = new AggregatedConfigSource(),
        ResourceApiVersion = ApiVersion.V3,
    };

    private static Address Loopback(int port) => new()
    {
        SocketAddress = new SocketAddress { Address = "127.0.0.1", PortValue = (uint)port },
    };
}
