using ControlPlane.Snapshots;
using Envoy.Service.Discovery.V3;

namespace ControlPlane.Xds.Delta;

/// <summary>
/// Collects one DeltaDiscoveryResponse. The resources it adds are the snapshot's shared
/// <see cref="XdsResource.DeltaResource"/> messages, so a response costs one list entry per
/// resource and serializes bytes that were packed once.
/// </summary>
internal sealed class DeltaResponseBuilder
{
    // Only a response that merges changes with requested names can name a resource twice, and
    // the protocol forbids that: clients NACK a response with a duplicate name.
    private readonly HashSet<string>? _names;

    public DeltaResponseBuilder(string typeUrl, TypeSnapshot current, bool deduplicate)
    {
        Response = new DeltaDiscoveryResponse { TypeUrl = typeUrl, SystemVersionInfo = current.Version };
        _names = deduplicate ? new HashSet<string>(StringComparer.Ordinal) : null;
    }

    public DeltaDiscoveryResponse Response { get; }

    /// <summary>The number of resources and removed names so far.</summary>
    public int Count => Response.Resources.Count + Response.RemovedResources.Count;

    public void Add(XdsResource resource)
    {
        if (_names?.Add(resource.Name) != false)
        {
            Response.Resources.Add(resource.DeltaResource);
        }
    }

    /// <summary>Adds <paramref name="resource"/> unless <paramref name="held"/> lists it at the same version.</summary>
    public void AddUnlessHeld(XdsResource resource, Dictionary<string, string>? held)
    {
        if (held is null || !held.TryGetValue(resource.Name, out var version) || version != resource.Version)
        {
            Add(resource);
        }
    }

    public void Remove(string name)
    {
        if (_names?.Add(name) != false)
        {
            Response.RemovedResources.Add(name);
        }
    }
}
