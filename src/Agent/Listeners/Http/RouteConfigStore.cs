using Agent.Clusters;
using Envoy.Config.Route.V3;

namespace Agent.Listeners.Http;

/// <summary>
/// The route configurations received over RDS, and which names the listeners need. An HTTP
/// connection manager subscribes to its route_config_name; the ADS client asks RDS for every
/// subscribed name.
/// </summary>
internal sealed class RouteConfigStore
{
    // Lock order: _lock is taken alone.
    private readonly object _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Raised after the set of subscribed names changed, so the ADS client can update RDS.</summary>
    public event Action? SubscriptionsChanged;

    public IReadOnlySet<string> SubscribedNames
    {
        get
        {
            lock (_lock)
            {
                return _entries.Where(e => e.Value.Subscribers > 0).Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Every route configuration received, with the version that brought it.</summary>
    public IReadOnlyList<(RouteConfiguration Config, string Version)> Received
    {
        get
        {
            lock (_lock)
            {
                return _entries.Values.Where(e => e.Source is not null).Select(e => (e.Source!, e.Version)).ToList();
            }
        }
    }

    public RouteSubscription Subscribe(string name)
    {
        bool added;
        Entry entry;
        lock (_lock)
        {
            entry = GetOrAdd(name);
            entry.Subscribers++;
            added = entry.Subscribers == 1;
        }

        if (added)
        {
            SubscriptionsChanged?.Invoke();
        }

        return new RouteSubscription(this, entry);
    }

    /// <summary>Compiles every configuration first; one invalid configuration rejects them all.</summary>
    public ApplyResult Apply(IReadOnlyList<RouteConfiguration> configs, string version)
    {
        var errors = new List<string>();
        var compiled = configs.Select(c => (Config: c, Table: RouteTable.Compile(c, errors))).ToList();
        if (errors.Count > 0)
        {
            return new ApplyResult(errors);
        }

        lock (_lock)
        {
            foreach (var (config, table) in compiled)
            {
                var entry = GetOrAdd(config.Name);
                entry.Source = config;
                entry.Version = version;
                Volatile.Write(ref entry.Table, table);
                entry.Ready.TrySetResult();
            }
        }

        return ApplyResult.Accepted;
    }

    private Entry GetOrAdd(string name)
    {
        if (!_entries.TryGetValue(name, out var entry))
        {
            entry = new Entry(name);
            _entries[name] = entry;
        }

        return entry;
    }

    private void Unsubscribe(Entry entry)
    {
        lock (_lock)
        {
            entry.Subscribers--;
        }

        SubscriptionsChanged?.Invoke();
    }

    internal sealed class Entry(string name)
    {
        public string Name { get; } = name;

        public int Subscribers;
        public RouteTable? Table;
        public RouteConfiguration? Source;
        public string Version = "";

        public TaskCompletionSource Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>A listener's hold on one route configuration name, released on dispose.</summary>
    internal sealed class RouteSubscription(RouteConfigStore store, Entry entry) : IDisposable
    {
        private int _disposed;

        public string Name => entry.Name;

        /// <summary>The current table; null until RDS has delivered it.</summary>
        public RouteTable? Current => Volatile.Read(ref entry.Table);

        /// <summary>Completes when the configuration first arrives.</summary>
        public Task WhenReady => entry.Ready.Task;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                store.Unsubscribe(entry);
            }
        }
    }
}
