using System.IO.Hashing;
using System.Text;
using Agent.Clusters;

namespace Agent.LoadBalancing;

/// <summary>
/// Envoy's RING_HASH: every host gets points on a 64-bit ring in proportion to its weight
/// (xxHash64 of "address_i"), and a key goes to the first point at or after its hash. The ring
/// has at least minimum_ring_size (default 1024) and at most maximum_ring_size (default 8M) points.
/// </summary>
internal sealed class RingHashLoadBalancer(ulong minimumRingSize, ulong maximumRingSize) : ILoadBalancer
{
    private Ring? _ring;

    public UpstreamHost? Choose(IReadOnlyList<UpstreamHost> candidates, ulong? hashKey)
    {
        if (candidates.Count == 0)
        {
            return null;
        }

        var ring = GetRing(candidates);
        var key = hashKey ?? (ulong)Random.Shared.NextInt64();
        var index = Array.BinarySearch(ring.Hashes, key);
        if (index < 0)
        {
            index = ~index;
        }

        return ring.Owners[index == ring.Hashes.Length ? 0 : index];
    }

    private sealed record Ring(IReadOnlyList<UpstreamHost> Hosts, ulong[] Hashes, UpstreamHost[] Owners);

    public static ulong Hash(string text) => XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(text));

    private Ring GetRing(IReadOnlyList<UpstreamHost> candidates)
    {
        var cached = Volatile.Read(ref _ring);
        if (cached is not null && cached.Hosts.SequenceEqual(candidates))
        {
            return cached;
        }

        var built = Build(candidates, minimumRingSize, maximumRingSize);
        Volatile.Write(ref _ring, built);
        return built;
    }

    private static Ring Build(IReadOnlyList<UpstreamHost> candidates, ulong minimumRingSize, ulong maximumRingSize)
    {
        // Scale so that the host with the smallest share still gets at least one point while the
        // ring reaches minimum_ring_size, without passing maximum_ring_size.
        double totalWeight = candidates.Sum(h => (double)h.Weight);
        var minShare = candidates.Min(h => h.Weight / totalWeight);
        var scale = Math.Min(Math.Ceiling(minShare * minimumRingSize) / minShare, maximumRingSize);
        var points = new List<(ulong Hash, UpstreamHost Host)>();
        foreach (var host in candidates)
        {
            var count = (int)Math.Max(1, Math.Floor(host.Weight / totalWeight * scale));
            for (var i = 0; i < count; i++)
            {
                points.Add((Hash($"{host.AddressText}_{i}"), host));
            }
        }

        points.Sort((a, b) => a.Hash.CompareTo(b.Hash));
        return new Ring(candidates.ToArray(), points.Select(p => p.Hash).ToArray(), points.Select(p => p.Host).ToArray());
    }
}
