using System.Collections.Concurrent;
using System.Net;
using Agent.Clusters;

namespace Agent.Tests.Redis;

/// <summary>
/// A minimal cluster manager over fixed Redis addresses, standing in for the agent's real one in
/// these tests. A host that records any local-origin failure is ejected for good, so the next
/// request fails over to the next host, by priority then by key hash within a priority.
/// </summary>
internal sealed class StaticClusterManager : IClusterManager
{
    private readonly ConcurrentDictionary<string, StaticCluster> _clusters = new(StringComparer.Ordinal);

    /// <summary>Adds a cluster; each port is one host, and hosts listed in a later group get the next priority.</summary>
    public StaticCluster Add(string name, params int[][] portsByPriority)
    {
        var hosts = portsByPriority
            .SelectMany((ports, priority) => ports.Select(port => new StaticHost(port, priority)))
            .ToList();
        var cluster = new StaticCluster(name, hosts);
        _clusters[name] = cluster;
        return cluster;
    }

    public IUpstreamCluster? GetCluster(string name) => _clusters.GetValueOrDefault(name);
}

internal sealed class StaticCluster(string name, IReadOnlyList<StaticHost> hosts) : IUpstreamCluster, ICircuitBreakers
{
    public string Name => name;

    public IReadOnlyList<StaticHost> Hosts => hosts;

    public TimeSpan ConnectTimeout => TimeSpan.FromSeconds(1);

    public ICircuitBreakers CircuitBreakers => this;

    public IUpstreamHost? ChooseHost(ulong? hashKey = null)
    {
        foreach (var priority in hosts.Where(host => !host.IsEjected).GroupBy(host => host.Priority).OrderBy(group => group.Key))
        {
            var candidates = priority.ToList();
            return candidates[(int)((hashKey ?? 0) % (ulong)candidates.Count)];
        }

        return null;
    }

    public IDisposable? TryOpenConnection() => EmptyLease.Instance;

    public IDisposable? TryQueueRequest() => EmptyLease.Instance;

    public IDisposable? TryStartRequest() => EmptyLease.Instance;

    private sealed class EmptyLease : IDisposable
    {
        public static readonly EmptyLease Instance = new();

        public void Dispose()
        {
        }
    }
}

internal sealed class StaticHost(int port, int priority) : IUpstreamHost
{
    private readonly ConcurrentQueue<LocalOriginFailure> _failures = new();
    private int _activeRequests;
    private int _activeConnections;

    public EndPoint Address { get; } = new IPEndPoint(IPAddress.Loopback, port);

    public string AddressText => $"127.0.0.1:{port}";

    public int Priority => priority;

    public int Port => port;

    public bool IsEjected => !_failures.IsEmpty;

    public IReadOnlyCollection<LocalOriginFailure> Failures => _failures;

    public int ActiveRequests => Volatile.Read(ref _activeRequests);

    public int ActiveConnections => Volatile.Read(ref _activeConnections);

    public void RecordSuccess()
    {
    }

    public void RecordLocalOriginFailure(LocalOriginFailure failure) => _failures.Enqueue(failure);

    public void RecordHttpStatus(int statusCode)
    {
    }

    public IDisposable BeginRequest() => new Counted(ref _activeRequests, () => Interlocked.Decrement(ref _activeRequests));

    public IDisposable BeginConnection() => new Counted(ref _activeConnections, () => Interlocked.Decrement(ref _activeConnections));

    private sealed class Counted : IDisposable
    {
        private Action? _release;

        public Counted(ref int counter, Action release)
        {
            Interlocked.Increment(ref counter);
            _release = release;
        }

        public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
    }
}
