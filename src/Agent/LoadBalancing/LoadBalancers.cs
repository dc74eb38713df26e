using Agent.Clusters;

namespace Agent.LoadBalancing;

/// <summary>Picks one host out of the candidates of one priority level.</summary>
internal interface ILoadBalancer
{
    UpstreamHost? Choose(IReadOnlyList<UpstreamHost> candidates, ulong? hashKey);
}

/// <summary>
/// Weighted round robin. Equal weights rotate through the candidates; unequal weights use the
/// smooth weighted round robin (each pick adds every weight to its running score and takes the
/// highest), which spreads a heavy host's turns instead of sending them back to back.
/// </summary>
internal sealed class RoundRobinLoadBalancer : ILoadBalancer
{
    private readonly Dictionary<UpstreamHost, long> _scores = new(ReferenceEqualityComparer.Instance);
    private long _next = -1;

    public UpstreamHost? Choose(IReadOnlyList<UpstreamHost> candidates, ulong? hashKey)
    {
        if (candidates.Count == 0)
        {
            return null;
        }

        if (HaveEqualWeights(candidates))
        {
            var index = (ulong)Interlocked.Increment(ref _next) % (ulong)candidates.Count;
            return candidates[(int)index];
        }

        lock (_scores)
        {
            return ChooseWeighted(candidates);
        }
    }

    // A loop rather than LINQ's All: this runs for every request and must not allocate.
    private static bool HaveEqualWeights(IReadOnlyList<UpstreamHost> candidates)
    {
        for (var i = 1; i < candidates.Count; i++)
        {
            if (candidates[i].Weight != candidates[0].Weight)
            {
                return false;
            }
        }

        return true;
    }

    private UpstreamHost ChooseWeighted(IReadOnlyList<UpstreamHost> candidates)
    {
        long total = 0;
        UpstreamHost? best = null;
        foreach (var host in candidates)
        {
            var score = _scores.GetValueOrDefault(host) + host.Weight;
            _scores[host] = score;
            total += host.Weight;
            if (best is null || score > _scores[best])
            {
                best = host;
            }
        }

        _scores[best!] -= total;
        return best!;
    }
}

/// <summary>Envoy's LEAST_REQUEST with choice_count 2: the one of two random hosts with fewer active requests.</summary>
internal sealed class LeastRequestLoadBalancer(int choiceCount) : ILoadBalancer
{
    public UpstreamHost? Choose(IReadOnlyList<UpstreamHost> candidates, ulong? hashKey)
    {
        if (candidates.Count == 0)
        {
            return null;
        }

        var best = candidates[Random.Shared.Next(candidates.Count)];
        for (var i = 1; i < choiceCount; i++)
        {
            var other = candidates[Random.Shared.Next(candidates.Count)];
            if (other.ActiveRequests < best.ActiveRequests)
            {
                best = other;
            }
        }

        return best;
    }
}

internal sealed class RandomLoadBalancer : ILoadBalancer
{
    public UpstreamHost? Choose(IReadOnlyList<UpstreamHost> candidates, ulong? hashKey) =>
        candidates.Count == 0 ? null : candidates[Random.Shared.Next(candidates.Count)];
}
