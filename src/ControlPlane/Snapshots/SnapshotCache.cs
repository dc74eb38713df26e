using System.Collections.Immutable;

namespace ControlPlane.Snapshots;

/// <summary>
/// The snapshot every node is served, and the watches that learn of each new one. Publishing never
/// waits for a watcher: each watcher is expected to hand the snapshot to its own stream and return.
/// </summary>
public sealed class SnapshotCache
{
    // Lock order: _watchersLock is never held while a watcher runs.
    private readonly object _watchersLock = new();
    private ImmutableArray<Action<ResourceSnapshot>> _watchers = [];
    private ResourceSnapshot _current = ResourceSnapshot.Empty;
    private readonly TimeProvider _timeProvider;

    public SnapshotCache()
        : this(TimeProvider.System)
    {
    }

    /// <param name="timeProvider">Stamps each newly published type version, for the change-to-ACK metric.</param>
    public SnapshotCache(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
    }

    public ResourceSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Replaces the current snapshot and notifies every watcher.</summary>
    public void Publish(ResourceSnapshot snapshot)
    {
        var now = _timeProvider.GetTimestamp();
        foreach (var typeUrl in TypeUrls.All)
        {
            snapshot[typeUrl].MarkPublished(now);
        }

        Volatile.Write(ref _current, snapshot);
        foreach (var watcher in _watchers)
        {
            watcher(snapshot);
        }
    }

    /// <summary>Registers <paramref name="onPublish"/> until the returned handle is disposed.</summary>
    public IDisposable Watch(Action<ResourceSnapshot> onPublish)
    {
        lock (_watchersLock)
        {
            _watchers = _watchers.Add(onPublish);
        }

        return new Registration(this, onPublish);
    }

    public int WatcherCount => _watchers.Length;

    private void Unwatch(Action<ResourceSnapshot> onPublish)
    {
        lock (_watchersLock)
        {
            _watchers = _watchers.Remove(onPublish);
        }
    }

    private sealed class Registration(SnapshotCache cache, Action<ResourceSnapshot> onPublish) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                cache.Unwatch(onPublish);
            }
        }
    }
}
