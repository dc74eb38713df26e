using Agent.Health;
using Agent.LoadBalancing;
using Agent.Stats;

namespace Agent.Clusters;

/// <summary>The hosts of a cluster at one moment, grouped by priority. Replaced whole on each update.</summary>
internal sealed record HostSet(IReadOnlyList<IReadOnlyList<UpstreamHost>> Priorities, IReadOnlyList<UpstreamHost> All, int OverprovisioningFactor);

/// <summary>
/// A cluster's runtime state: the current host set, the load balancer, outlier detection and
/// active health checks. It warms (takes no traffic) until its endpoints arrive.
/// </summary>
internal sealed class UpstreamCluster : IUpstreamCluster, IAsyncDisposable
{
    private readonly ILoadBalancer[] _balancers = new ILoadBalancer[8];
    private readonly List<ActiveHealthChecker> _healthCheckers = [];
    private HostSet? _hostSet;

    public UpstreamCluster(ClusterSettings settings, StatsStore stats, TimeProvider time, ILoggerFactory loggers, string version)
    {
        Settings = settings;
        Version = version;
        Stats = new ClusterStats(stats, settings.Name);
        Breakers = new ClusterCircuitBreakers(settings.CircuitBreakers, stats, settings.Name);
        var logger = loggers.CreateLogger("Agent.Health");
        if (settings.Outlier is { } outlier)
        {
            Outlier = new OutlierDetector(outlier, settings.Name, () => _hostSet?.All ?? [], stats, time, logger);
        }

        foreach (var check in settings.HealthChecks)
        {
            _healthCheckers.Add(new ActiveHealthChecker(check, settings.Name, () => _hostSet?.All ?? [], () => Outlier, stats, time, logger));
        }
    }

    public string Name => Settings.Name;

    public ClusterSettings Settings { get; }

    /// <summary>The CDS version that delivered this cluster's settings.</summary>
    public string Version { get; }

    public ClusterStats Stats { get; }

    public ClusterCircuitBreakers Breakers { get; }

    public OutlierDetector? Outlier { get; }

    public IReadOnlyList<ActiveHealthChecker> HealthCheckers => _healthCheckers;

    public TimeSpan ConnectTimeout => Settings.ConnectTimeout;

    public ICircuitBreakers CircuitBreakers => Breakers;

    public HostSet? Hosts => Volatile.Read(ref _hostSet);

    /// <summary>True once endpoints have arrived (at once for a cluster with inline endpoints).</summary>
    public bool IsWarm => Hosts is not null;

    public void StartHealthChecks()
    {
        foreach (var checker in _healthCheckers)
        {
            checker.Start();
        }
    }

    /// <summary>
    /// Replaces the host set. A host whose address stays keeps its object, so its health, outlier
    /// state and counters carry over. When the cluster has active health checks, a new host starts
    /// failed until its first check.
    /// </summary>
    public void UpdateEndpoints(EndpointAssignment assignment, IReadOnlyList<UpstreamHost>? previousHosts = null)
    {
        var existing = (previousHosts ?? Hosts?.All ?? []).ToDictionary(h => h.AddressText);
        var all = new List<UpstreamHost>();
        var added = false;
        foreach (var spec in assignment.Endpoints)
        {
            if (!existing.Remove(spec.Address.ToString(), out var host))
            {
                host = new UpstreamHost(spec.Address, Stats);
                added = true;
                if (_healthCheckers.Count > 0)
                {
                    host.SetFlag(HostHealthFlags.FailedActiveHealthCheck | HostHealthFlags.PendingActiveHealthCheck, true);
                }
            }

            host.Priority = spec.Priority;
            host.Weight = spec.Weight;
            host.OutcomeSink = Outlier;
            host.SetFlag(HostHealthFlags.FailedEdsHealth, !spec.EdsHealthy);
            all.Add(host);
        }

        var levels = all.Count == 0 ? 1 : all.Max(h => h.Priority) + 1;
        var priorities = Enumerable.Range(0, levels)
            .Select(p => (IReadOnlyList<UpstreamHost>)all.Where(h => h.Priority == p).ToArray()).ToArray();
        Volatile.Write(ref _hostSet, new HostSet(priorities, all, assignment.OverprovisioningFactor));
        Stats.UpdateSuccess.Increment();
        Stats.MembershipChange.Increment();
        Stats.MembershipTotal.Set(all.Count);
        foreach (var removed in existing.Values)
        {
            Outlier?.OnHostRemoved(removed);
        }

        if (added)
        {
            foreach (var checker in _healthCheckers)
            {
                checker.CheckSoon();
            }
        }
    }

    public IUpstreamHost? ChooseHost(ulong? hashKey = null)
    {
        var hosts = Hosts;
        if (hosts is null || hosts.All.Count == 0)
        {
            Stats.UpstreamCxNoneHealthy.Increment();
            return null;
        }

        var (priority, candidates) = AllOfFirstLevelHealthy(hosts) ? (0, hosts.Priorities[0]) : PickCandidates(hosts, hashKey);
        var host = Balancer(priority).Choose(candidates, hashKey);
        if (host is null)
        {
            Stats.UpstreamCxNoneHealthy.Increment();
        }

        return host;
    }

    /// <summary>
    /// Checks for the common case without allocating: P0 has hosts and all of them are healthy. With an
    /// overprovisioning factor of at least 100 its health is then 100, so the full calculation would
    /// give P0 all the load, no panic, and all of P0's hosts as candidates.
    /// </summary>
    private bool AllOfFirstLevelHealthy(HostSet hosts)
    {
        var first = hosts.Priorities[0];
        if (first.Count == 0 || hosts.OverprovisioningFactor < 100)
        {
            return false;
        }

        var healthy = 0;
        foreach (var host in hosts.All)
        {
            healthy += host.IsHealthy ? 1 : 0;
        }

        for (var i = 0; i < first.Count; i++)
        {
            if (!first[i].IsHealthy)
            {
                return false;
            }
        }

        Stats.MembershipHealthy.Set(healthy);
        return true;
    }

    private (int Priority, IReadOnlyList<UpstreamHost> Candidates) PickCandidates(HostSet hosts, ulong? hashKey)
    {
        var load = ComputeLoad(hosts);
        var priority = PickPriority(load.Loads, hashKey);
        var level = hosts.Priorities[priority];
        if (load.Panic[priority])
        {
            Stats.LbHealthyPanic.Increment();
            return (priority, level);
        }

        return (priority, level.Where(h => h.IsHealthy).ToArray());
    }

    public PriorityLoadResult ComputeLoad(HostSet hosts)
    {
        var levels = hosts.Priorities.Select(p => new PriorityHealth(p.Count, p.Count(h => h.IsHealthy))).ToArray();
        Stats.MembershipHealthy.Set(levels.Sum(l => l.HealthyHosts));
        return PriorityLoad.Compute(levels, hosts.OverprovisioningFactor, Settings.PanicThresholdPercent);
    }

    private static int PickPriority(IReadOnlyList<int> loads, ulong? hashKey)
    {
        var pick = hashKey is { } key ? (int)(key % 100) : Random.Shared.Next(100);
        var cumulative = 0;
        for (var i = 0; i < loads.Count; i++)
        {
            cumulative += loads[i];
            if (pick < cumulative)
            {
                return i;
            }
        }

        return 0;
    }

    private ILoadBalancer Balancer(int priority)
    {
        var index = Math.Min(priority, _balancers.Length - 1);
        return _balancers[index] ??= Settings.LoadBalancer switch
        {
            LoadBalancerKind.LeastRequest => new LeastRequestLoadBalancer(Settings.LeastRequestChoiceCount),
            LoadBalancerKind.Random => new RandomLoadBalancer(),
            LoadBalancerKind.RingHash => new RingHashLoadBalancer(Settings.MinimumRingSize, Settings.MaximumRingSize),
            _ => new RoundRobinLoadBalancer(),
        };
    }

    public async ValueTask DisposeAsync()
    {
        Outlier?.Dispose();
        foreach (var checker in _healthCheckers)
        {
            await checker.DisposeAsync();
        }
    }
}
