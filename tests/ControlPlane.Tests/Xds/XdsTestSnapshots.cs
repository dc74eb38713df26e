using ControlPlane.Snapshots;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf.WellKnownTypes;

namespace ControlPlane.Tests.Xds;

/// <summary>Builds and publishes snapshots the way the operator API does, and reads responses back.</summary>
internal static class XdsTestSnapshots
{
    public static Cluster EdsCluster(string name, int connectTimeoutSeconds = 1) => new()
    {
        Name = name,
        Type = Cluster.Types.DiscoveryType.Eds,
        ConnectTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(connectTimeoutSeconds)),
        EdsClusterConfig = new Cluster.Types.EdsClusterConfig
        {
            EdsConfig = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
        },
    };

    public static ClusterLoadAssignment Endpoints(string clusterName, int port) => new()
    {
        ClusterName = clusterName,
        Endpoints =
        {
            new LocalityLbEndpoints
            {
                LbEndpoints =
                {
                    new LbEndpoint
                    {
                        Endpoint = new Endpoint
                        {
                            Address = new Address { SocketAddress = new SocketAddress { Address = "127.0.0.1", PortValue = (uint)port } },
                        },
                    },
                },
            },
        },
    };

    public static Listener Listener(string name, int port) => new()
    {
        Name = name,
        Address = new Address { SocketAddress = new SocketAddress { Address = "0.0.0.0", PortValue = (uint)port } },
    };

    public static RouteConfiguration Routes(string name) => new() { Name = name };

    /// <summary>Publishes a snapshot built on the cache's current one, so unchanged types keep their versions.</summary>
    public static ResourceSnapshot Publish(
        SnapshotCache cache,
        long version,
        IEnumerable<Cluster>? clusters = null,
        IEnumerable<ClusterLoadAssignment>? endpoints = null,
        IEnumerable<Listener>? listeners = null,
        IEnumerable<RouteConfiguration>? routes = null)
    {
        var snapshot = ResourceSnapshot.Create(version, clusters ?? [], endpoints ?? [], listeners ?? [], routes ?? [], cache.Current);
        cache.Publish(snapshot);
        return snapshot;
    }

    public static List<string> ClusterNames(DiscoveryResponse response) =>
        response.Resources.Select(any => any.Unpack<Cluster>().Name).ToList();

    public static List<string> EndpointNames(DiscoveryResponse response) =>
        response.Resources.Select(any => any.Unpack<ClusterLoadAssignment>().ClusterName).Order(StringComparer.Ordinal).ToList();
}
