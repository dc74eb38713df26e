using ControlPlane.Snapshots;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;

namespace ControlPlane.Configuration;

/// <summary>
/// Turns the stored configuration into the resources nodes are served. A STATIC cluster (or one
/// with no type) that carries an inline <c>load_assignment</c> is served as an EDS cluster fed over
/// ADS, with its endpoints as a ClusterLoadAssignment named after it, so that a later endpoint
/// change pushes EDS alone. Every EDS cluster gets a ClusterLoadAssignment, empty when none was
/// written, so that a snapshot never names endpoints it lacks. STRICT_DNS and LOGICAL_DNS clusters
/// keep their inline endpoints, because Envoy resolves those itself.
/// </summary>
internal static class EdsConversion
{
    /// <summary>True for a cluster served over EDS: type EDS, or STATIC with inline endpoints.</summary>
    public static bool IsEds(Cluster cluster) =>
        IsDeclaredEds(cluster) || (IsStatic(cluster) && cluster.LoadAssignment is not null);

    public static bool IsStatic(Cluster cluster) =>
        cluster.ClusterDiscoveryTypeCase == Cluster.ClusterDiscoveryTypeOneofCase.None
        || (cluster.ClusterDiscoveryTypeCase == Cluster.ClusterDiscoveryTypeOneofCase.Type
            && cluster.Type == Cluster.Types.DiscoveryType.Static);

    public static bool IsDeclaredEds(Cluster cluster) =>
        cluster.ClusterDiscoveryTypeCase == Cluster.ClusterDiscoveryTypeOneofCase.Type
        && cluster.Type == Cluster.Types.DiscoveryType.Eds;

    public static ResourceSnapshot BuildSnapshot(ConfigState state, ResourceSnapshot? previous)
    {
        var clusters = new List<Cluster>();
        var endpoints = new List<ClusterLoadAssignment>();
        foreach (var cluster in state.Clusters.Values)
        {
            if (!IsEds(cluster))
            {
                clusters.Add(cluster);
                continue;
            }

            var (served, assignment) = Convert(cluster, state.Endpoints.GetValueOrDefault(cluster.Name));
            clusters.Add(served);
            endpoints.Add(assignment);
        }

        return ResourceSnapshot.Create(
            state.Version, clusters, endpoints, state.Listeners.Values, state.Routes.Values, previous);
    }

    private static (Cluster Served, ClusterLoadAssignment Endpoints) Convert(Cluster cluster, ClusterLoadAssignment? written)
    {
        var served = cluster.Clone();
        served.Type = Cluster.Types.DiscoveryType.Eds;
        served.LoadAssignment = null;
        served.EdsClusterConfig ??= new Cluster.Types.EdsClusterConfig();
        served.EdsClusterConfig.EdsConfig ??= new ConfigSource
        {
            Ads = new AggregatedConfigSource(),
            ResourceApiVersion = ApiVersion.V3,
        };

        var name = served.EdsClusterConfig.ServiceName is { Length: > 0 } serviceName ? serviceName : cluster.Name;
        var assignment = (written ?? cluster.LoadAssignment)?.Clone() ?? new ClusterLoadAssignment();
        assignment.ClusterName = name;
        return (served, assignment);
    }
}
