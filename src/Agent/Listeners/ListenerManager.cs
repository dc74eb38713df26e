using System.Net;
using Agent.Clusters;
using Agent.Stats;
using Envoy.Config.Listener.V3;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace Agent.Listeners;

/// <summary>
/// Keeps the listeners received over LDS. A new or changed listener is built first, and an unknown
/// filter or invalid config rejects the whole update. It warms until its filter is ready, then
/// takes over the address while the listener it replaces drains.
/// </summary>
internal sealed class ListenerManager : IAsyncDisposable
{
    private readonly Dictionary<string, INetworkFilterFactory> _factories;
    private readonly IClusterManager _clusters;
    private readonly StatsStore _stats;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly IConnectionListenerFactory _transport;
    private readonly TimeSpan _drainTime;

    // Lock order: _lock serializes updates and activations; it is never held while awaiting a drain.
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    private readonly List<Task> _background = [];

    public ListenerManager(IEnumerable<INetworkFilterFactory> factories, IClusterManager clusters, StatsStore stats,
        TimeProvider time, ILoggerFactory loggers, AgentOptions options)
    {
        _factories = factories.GroupBy(f => f.TypeUrl).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        _clusters = clusters;
        _stats = stats;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger("Agent.Listeners");
        _transport = new SocketTransportFactory(Options.Create(TransportOptions()), loggers);
        _drainTime = options.DrainTime;
    }

    /// <summary>
    /// Runs each connection's pipe callbacks on the thread that completed the socket operation
    /// instead of queueing them to Kestrel's IO queues and then the thread pool: two thread hops
    /// fewer per read and per write. This is safe because every filter awaits and none blocks a thread.
    /// </summary>
    private static SocketTransportOptions TransportOptions() => new() { UnsafePreferInlineScheduling = true };

    private sealed class Slot
    {
        public ActiveListener? Active;
        public ActiveListener? Warming;
    }

    /// <summary>Every listener that accepts connections, and every one still warming.</summary>
    public IReadOnlyList<ActiveListener> Listeners
    {
        get
        {
            lock (_slots)
            {
                return _slots.Values.SelectMany(s => new[] { s.Active, s.Warming }).OfType<ActiveListener>().ToList();
            }
        }
    }

    public bool AllWarm
    {
        get
        {
            lock (_slots)
            {
                return _slots.Values.All(s => s.Warming is null);
            }
        }
    }

    /// <summary>Replaces the whole listener set (LDS is a wildcard, state-of-the-world subscription).</summary>
    public async Task<ApplyResult> ApplyListenersAsync(IReadOnlyList<Listener> listeners, string version)
    {
        await _lock.WaitAsync();
        try
        {
            var errors = new List<string>();
            var built = Build(listeners, version, errors);
            if (errors.Count > 0)
            {
                foreach (var candidate in built)
                {
                    await candidate.Filter.DisposeAsync();
                }

                return new ApplyResult(errors);
            }

            RemoveMissing(listeners.Select(l => l.Name).ToHashSet(StringComparer.Ordinal), version);
            foreach (var candidate in built)
            {
                await StartAsync(candidate, errors);
            }

            return errors.Count > 0 ? new ApplyResult(errors) : ApplyResult.Accepted;
        }
        finally
        {
            _lock.Release();
        }
    }

    private List<ActiveListener> Build(IReadOnlyList<Listener> listeners, string version, List<string> errors)
    {
        var built = new List<ActiveListener>();
        foreach (var duplicate in listeners.GroupBy(l => l.Name).Where(g => g.Count() > 1))
        {
            errors.Add($"listener '{duplicate.Key}': the name appears more than once");
        }

        foreach (var listener in listeners)
        {
            if (IsUnchanged(listener))
            {
                continue;
            }

            var candidate = BuildOne(listener, version, errors);
            if (candidate is not null)
            {
                built.Add(candidate);
            }
        }

        return built;
    }

    private bool IsUnchanged(Listener listener)
    {
        lock (_slots)
        {
            return _slots.TryGetValue(listener.Name, out var slot)
                && (slot.Warming ?? slot.Active) is { } current
                && current.Source.Equals(listener);
        }
    }

    private ActiveListener? BuildOne(Listener listener, string version, List<string> errors)
    {
        var field = $"listener '{listener.Name}'";
        var count = errors.Count;
        var address = ListenerValidation.ReadAddress(listener, field, errors);

        // An API listener has no filter chains by design, so its own error is the only one reported.
        var filterConfig = listener.ApiListener is null ? ListenerValidation.ReadTerminalFilter(listener, field, errors) : null;
        if (errors.Count > count || filterConfig is null)
        {
            return null;
        }

        if (!_factories.TryGetValue(filterConfig.TypedConfig.TypeUrl, out var factory))
        {
            errors.Add($"{field}: unknown network filter '{filterConfig.Name}' ({filterConfig.TypedConfig.TypeUrl})");
            return null;
        }

        try
        {
            var context = new NetworkFilterContext(listener.Name, _clusters, _stats, _time, _loggers);
            var filter = factory.Create(filterConfig.TypedConfig, context);
            return new ActiveListener(listener, address!, filter, version, _transport, _stats, _time, _logger);
        }
        catch (Exception e) when (e is ConfigRejectedException or Google.Protobuf.InvalidProtocolBufferException)
        {
            errors.Add($"{field}: filter '{filterConfig.Name}': {e.Message}");
            return null;
        }
    }

    private void RemoveMissing(HashSet<string> wanted, string version)
    {
        lock (_slots)
        {
            foreach (var (name, slot) in _slots.Where(s => !wanted.Contains(s.Key)).ToList())
            {
                _slots.Remove(name);
                if (slot.Warming is { } warming)
                {
                    Track(warming.DisposeAsync().AsTask());
                }

                if (slot.Active is { } active)
                {
                    ListenerLog.ListenerDraining(_logger, name, version);
                    Track(active.DrainAsync(_drainTime));
                }
            }
        }
    }

    private async Task StartAsync(ActiveListener candidate, List<string> errors)
    {
        Slot slot;
        lock (_slots)
        {
            slot = _slots.TryGetValue(candidate.Name, out var existing) ? existing : _slots[candidate.Name] = new Slot();
            if (slot.Warming is { } stale)
            {
                Track(stale.DisposeAsync().AsTask());
            }

            slot.Warming = candidate;
        }

        if (candidate.Filter is IWarmingFilter { WhenReady.IsCompleted: false } warming)
        {
            ListenerLog.ListenerWarming(_logger, candidate.Name, candidate.Version);
            Track(ActivateWhenReadyAsync(slot, candidate, warming.WhenReady));
            return;
        }

        var error = await ActivateAsync(slot, candidate);
        if (error is not null)
        {
            errors.Add(error);
        }
    }

    private async Task ActivateWhenReadyAsync(Slot slot, ActiveListener candidate, Task ready)
    {
        await ready;
        await _lock.WaitAsync();
        try
        {
            await ActivateAsync(slot, candidate);
        }
        finally
        {
            _lock.Release();
        }
    }

    // Caller holds _lock. A candidate that a later update replaced while it warmed is dropped.
    private async Task<string?> ActivateAsync(Slot slot, ActiveListener candidate)
    {
        ActiveListener? previous;
        lock (_slots)
        {
            if (!ReferenceEquals(slot.Warming, candidate))
            {
                return null;
            }

            previous = slot.Active;
        }

        if (previous is not null && previous.Address.Equals(candidate.Address))
        {
            // The same address cannot be bound twice: the old listener stops accepting first.
            await previous.StopAcceptingAsync();
        }

        try
        {
            await candidate.BindAsync();
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or AddressInUseException)
        {
            ListenerLog.ListenerBindFailed(_logger, candidate.Name, candidate.Address.ToString(), e);
            lock (_slots)
            {
                slot.Warming = null;
            }

            await candidate.DisposeAsync();
            return $"listener '{candidate.Name}': cannot bind {candidate.Address}: {e.Message}";
        }

        lock (_slots)
        {
            slot.Warming = null;
            slot.Active = candidate;
        }

        ListenerLog.ListenerActive(_logger, candidate.Name, candidate.Version, candidate.Address.ToString());
        if (previous is not null)
        {
            ListenerLog.ListenerDraining(_logger, previous.Name, previous.Version);
            Track(previous.DrainAsync(_drainTime));
        }

        return null;
    }

    private void Track(Task task)
    {
        lock (_background)
        {
            _background.RemoveAll(t => t.IsCompleted);
            _background.Add(task);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<ActiveListener> all;
        lock (_slots)
        {
            all = _slots.Values.SelectMany(s => new[] { s.Active, s.Warming }).OfType<ActiveListener>().ToList();
            _slots.Clear();
        }

        foreach (var listener in all)
        {
            await listener.StopAcceptingAsync();
            await listener.DisposeAsync();
        }
    }
}
