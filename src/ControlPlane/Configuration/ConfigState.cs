using System.Collections.Immutable;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Google.Protobuf;

namespace ControlPlane.Configuration;

/// <summary>
/// The accepted configuration as the operator wrote it, at one config version. Endpoints contains the
/// ClusterLoadAssignments written for EDS clusters; a cluster served from an inline
/// <c>load_assignment</c> keeps its endpoints in the cluster itself.
/// </summary>
internal sealed record ConfigState(
    long Version,
    ImmutableSortedDictionary<string, Cluster> Clusters,
    ImmutableSortedDictionary<string, ClusterLoadAssignment> Endpoints,
    ImmutableSortedDictionary<string, Listener> Listeners,
    ImmutableSortedDictionary<string, RouteConfiguration> Routes)
{
    public static ConfigState Empty { get; } = new(
        0,
        ImmutableSortedDictionary.Create<string, Cluster>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, ClusterLoadAssignment>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, Listener>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, RouteConfiguration>(StringComparer.Ordinal));

    public IMessage? Find(ResourceKind kind, string name) => kind switch
    {
        ResourceKind.Cluster => Clusters.GetValueOrDefault(name),
        ResourceKind.Endpoints => Endpoints.GetValueOrDefault(name),
        ResourceKind.Listener => Listeners.GetValueOrDefault(name),
        _ => Routes.GetValueOrDefault(name),
    };

    public IEnumerable<IMessage> All(ResourceKind kind) => kind switch
    {
        ResourceKind.Cluster => Clusters.Values,
        ResourceKind.Endpoints => Endpoints.Values,
        ResourceKind.Listener => Listeners.Values,
        _ => Routes.Values,
    };

    /// <summary>
    /// Returns the state with <paramref name="resource"/> created or replaced. A cluster whose type
    /// is not EDS drops any endpoints stored apart, and endpoints for such a cluster replace its
    /// inline <c>load_assignment</c>, so that every cluster has one source of endpoints.
    /// </summary>
    public ConfigState Upsert(IMessage resource) => resource switch
    {
        Cluster cluster when !EdsConversion.IsDeclaredEds(cluster) => this with
        {
            Clusters = Clusters.SetItem(cluster.Name, cluster),
            Endpoints = Endpoints.Remove(cluster.Name),
        },
        Cluster cluster => this with { Clusters = Clusters.SetItem(cluster.Name, cluster) },
        ClusterLoadAssignment endpoints => UpsertEndpoints(endpoints),
        Listener listener => this with { Listeners = Listeners.SetItem(listener.Name, listener) },
        RouteConfiguration route => this with { Routes = Routes.SetItem(route.Name, route) },
        _ => throw new ArgumentException($"unsupported resource type {resource.Descriptor.FullName}", nameof(resource)),
    };

    public ConfigState Delete(ResourceKind kind, string name) => kind switch
    {
        ResourceKind.Cluster => this with { Clusters = Clusters.Remove(name), Endpoints = Endpoints.Remove(name) },
        ResourceKind.Endpoints => this with { Endpoints = Endpoints.Remove(name) },
        ResourceKind.Listener => this with { Listeners = Listeners.Remove(name) },
        _ => this with { Routes = Routes.Remove(name) },
    };

    private ConfigState UpsertEndpoints(ClusterLoadAssignment endpoints)
    {
        if (Clusters.TryGetValue(endpoints.ClusterName, out var cluster) && !EdsConversion.IsDeclaredEds(cluster))
        {
            var replaced = cluster.Clone();
            replaced.LoadAssignment = endpoints;
            return this with { Clusters = Clusters.SetItem(cluster.Name, replaced) };
        }

        return this with { Endpoints = Endpoints.SetItem(endpoints.ClusterName, endpoints) };
    }

    /// <summary>Lists the resources that differ from <paramref name="older"/>: null marks a deletion.</summary>
    public List<(ResourceKind Kind, string Name, IMessage? Resource)> Diff(ConfigState older)
    {
        var changes = new List<(ResourceKind, string, IMessage?)>();
        foreach (var kind in Enum.GetValues<ResourceKind>())
        {
            var mine = All(kind).ToDictionary(ResourceKinds.NameOf, StringComparer.Ordinal);
            var theirs = older.All(kind).ToDictionary(ResourceKinds.NameOf, StringComparer.Ordinal);
            foreach (var (name, resource) in mine)
            {
                if (!theirs.TryGetValue(name, out var old) || !old.Equals(resource))
                {
                    changes.Add((kind, name, resource));
                }
            }

            changes.AddRange(theirs.Keys.Where(n => !mine.ContainsKey(n)).Select(n => (kind, n, (IMessage?)null)));
        }

        return changes;
    }
}
