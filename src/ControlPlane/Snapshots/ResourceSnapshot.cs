using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;

namespace ControlPlane.Snapshots;

/// <summary>The resources of one type at one version.</summary>
public sealed class TypeSnapshot
{
    private long _publishedTimestamp;
    private ConditionalWeakTable<TypeSnapshot, TypeDiff>? _diffsFrom;

    public TypeSnapshot(string typeUrl, string version, FrozenDictionary<string, XdsResource> resources)
    {
        TypeUrl = typeUrl;
        Version = version;
        Resources = resources;
    }

    public string TypeUrl { get; }

    /// <summary>The config version at which this type last changed; opaque to clients.</summary>
    public string Version { get; }

    public FrozenDictionary<string, XdsResource> Resources { get; }

    /// <summary>
    /// The <see cref="TimeProvider.GetTimestamp"/> of the first publish that carried this type
    /// version, or 0 before it is published. The xDS server measures change-to-ACK time from it.
    /// </summary>
    internal long PublishedTimestamp => Volatile.Read(ref _publishedTimestamp);

    /// <summary>Records the first publish only: an unchanged type carried into later snapshots keeps it.</summary>
    internal void MarkPublished(long timestamp) => Interlocked.CompareExchange(ref _publishedTimestamp, timestamp, 0);

    /// <summary>
    /// The diffs from older snapshots of this type to this one, keyed weakly by the older snapshot.
    /// Created on first use, because a type that no delta stream watches never needs it.
    /// </summary>
    internal ConditionalWeakTable<TypeSnapshot, TypeDiff> DiffsFrom =>
        LazyInitializer.EnsureInitialized(ref _diffsFrom);

    /// <summary>True when both hold the same names with the same resource versions.</summary>
    public bool HasSameResources(TypeSnapshot other)
    {
        if (Resources.Count != other.Resources.Count)
        {
            return false;
        }

        foreach (var (name, resource) in Resources)
        {
            if (!other.Resources.TryGetValue(name, out var otherResource) || otherResource.Version != resource.Version)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// An immutable, consistent set of clusters, endpoints, listeners and routes: what every node is
/// served at one config version. A type whose resources did not change keeps its previous version,
/// so a change pushes only the types it touched.
/// </summary>
public sealed class ResourceSnapshot
{
    private readonly FrozenDictionary<string, TypeSnapshot> _types;

    private ResourceSnapshot(long configVersion, FrozenDictionary<string, TypeSnapshot> types)
    {
        ConfigVersion = configVersion;
        _types = types;
    }

    /// <summary>The version the store gave the change that produced this snapshot.</summary>
    public long ConfigVersion { get; }

    public static ResourceSnapshot Empty { get; } = Create(0, [], [], [], [], previous: null);

    public TypeSnapshot this[string typeUrl] => _types[typeUrl];

    public bool TryGetType(string typeUrl, out TypeSnapshot snapshot) => _types.TryGetValue(typeUrl, out snapshot!);

    /// <summary>
    /// Builds a snapshot at <paramref name="configVersion"/>. Each type whose resources equal those
    /// in <paramref name="previous"/> keeps the previous type version and shares its resources.
    /// </summary>
    public static ResourceSnapshot Create(
        long configVersion,
        IEnumerable<Cluster> clusters,
        IEnumerable<ClusterLoadAssignment> endpoints,
        IEnumerable<Listener> listeners,
        IEnumerable<RouteConfiguration> routes,
        ResourceSnapshot? previous)
    {
        var version = configVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var types = new Dictionary<string, TypeSnapshot>
        {
            [TypeUrls.Cluster] = BuildType(TypeUrls.Cluster, version, clusters.Select(c => XdsResource.Create(c.Name, c)), previous),
            [TypeUrls.Endpoint] = BuildType(TypeUrls.Endpoint, version, endpoints.Select(e => XdsResource.Create(e.ClusterName, e)), previous),
            [TypeUrls.Listener] = BuildType(TypeUrls.Listener, version, listeners.Select(l => XdsResource.Create(l.Name, l)), previous),
            [TypeUrls.Route] = BuildType(TypeUrls.Route, version, routes.Select(r => XdsResource.Create(r.Name, r)), previous),
        };

        return new ResourceSnapshot(configVersion, types.ToFrozenDictionary());
    }

    private static TypeSnapshot BuildType(string typeUrl, string version, IEnumerable<XdsResource> resources, ResourceSnapshot? previous)
    {
        var built = new TypeSnapshot(typeUrl, version, resources.ToFrozenDictionary(r => r.Name, StringComparer.Ordinal));
        if (previous is not null && previous.TryGetType(typeUrl, out var old) && old.HasSameResources(built))
        {
            return old;
        }

        return built;
    }
}
