namespace ControlPlane.Snapshots;

/// <summary>
/// What changed in one type between two of its snapshots: the resources that are new or have a
/// new version, and the names that no longer exist. Delta xDS streams send exactly this.
/// </summary>
public sealed class TypeDiff
{
    private TypeDiff(IReadOnlyList<XdsResource> changed, IReadOnlyList<string> removed)
    {
        Changed = changed;
        Removed = removed;
    }

    /// <summary>Resources added or changed, in name order so that responses are reproducible.</summary>
    public IReadOnlyList<XdsResource> Changed { get; }

    /// <summary>Names present before and gone after, in name order.</summary>
    public IReadOnlyList<string> Removed { get; }

    /// <summary>
    /// Returns the diff from <paramref name="from"/> to <paramref name="to"/>. It is computed once per
    /// pair and cached on <paramref name="to"/>: after a publish most streams move from the same old
    /// snapshot to the same new one, so one comparison of the two serves all of them. The cache
    /// references <paramref name="from"/> weakly, so no old snapshot stays alive because of it.
    /// </summary>
    public static TypeDiff Between(TypeSnapshot from, TypeSnapshot to) =>
        to.DiffsFrom.GetValue(from, old => Compute(old, to));

    private static TypeDiff Compute(TypeSnapshot from, TypeSnapshot to)
    {
        var changed = new List<XdsResource>();
        foreach (var (name, resource) in to.Resources)
        {
            if (!from.Resources.TryGetValue(name, out var old) || old.Version != resource.Version)
            {
                changed.Add(resource);
            }
        }

        var removed = from.Resources.Keys.Where(name => !to.Resources.ContainsKey(name)).ToList();
        changed.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        removed.Sort(StringComparer.Ordinal);
        return new TypeDiff(changed, removed);
    }
}
