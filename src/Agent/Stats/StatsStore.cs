using System.Collections.Concurrent;

namespace Agent.Stats;

/// <summary>
/// Counters and gauges under Envoy's dotted names (<c>cluster.primary.upstream_rq_total</c>),
/// served by the admin endpoints /stats and /stats/prometheus.
/// </summary>
public sealed class StatsStore
{
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Gauge> _gauges = new(StringComparer.Ordinal);

    public Counter Counter(string name) => _counters.GetOrAdd(name, static _ => new Counter());

    public Gauge Gauge(string name) => _gauges.GetOrAdd(name, static _ => new Gauge());

    public IEnumerable<KeyValuePair<string, Counter>> Counters => _counters;

    public IEnumerable<KeyValuePair<string, Gauge>> Gauges => _gauges;
}

public sealed class Counter
{
    private long _value;

    public long Value => Interlocked.Read(ref _value);

    public void Increment() => Interlocked.Increment(ref _value);

    public void Add(long amount) => Interlocked.Add(ref _value, amount);
}

public sealed class Gauge
{
    private long _value;

    public long Value => Interlocked.Read(ref _value);

    public void Increment() => Interlocked.Increment(ref _value);

    public void Decrement() => Interlocked.Decrement(ref _value);

    public void Set(long value) => Interlocked.Exchange(ref _value, value);
}
