using ControlPlane.Snapshots;

namespace ControlPlane.Xds;

/// <summary>The last rejection of a type on a stream: the version the node rejected and its error_detail message.</summary>
internal sealed record NackStatus(string Version, string Message, DateTimeOffset Time);

/// <summary>What a stream sent and the node acknowledged for one type. Immutable, so readers need no lock.</summary>
internal sealed record TypeStatus(string? VersionSent, string? VersionAcked, string? Nonce, NackStatus? LastNack)
{
    public static TypeStatus Initial { get; } = new(null, null, null, null);
}

/// <summary>
/// The status of one open xDS stream, written by the stream's loop and read by the nodes API.
/// Each type's entry is replaced whole, so a reader sees one consistent <see cref="TypeStatus"/>.
/// </summary>
internal sealed class StreamStatus
{
    private readonly TypeStatus?[] _types = new TypeStatus?[TypeUrls.All.Count];

    public StreamStatus(string nodeId, string nodeCluster)
    {
        NodeId = nodeId;
        NodeCluster = nodeCluster;
    }

    public string NodeId { get; }

    public string NodeCluster { get; }

    /// <summary>The type's status, or null while the stream has not subscribed to it.</summary>
    public TypeStatus? Get(string typeUrl) => Volatile.Read(ref _types[TypeUrls.IndexOf(typeUrl)]);

    public void Set(string typeUrl, TypeStatus status) => Volatile.Write(ref _types[TypeUrls.IndexOf(typeUrl)], status);
}

/// <summary>One connected node as the nodes API shows it.</summary>
internal sealed record NodeView(string Id, string Cluster, int Streams, IReadOnlyDictionary<string, TypeStatus> Types);

/// <summary>
/// The nodes that have an open xDS stream, identified by node.id and node.cluster. A node can have
/// several streams (one ADS stream, or one per type with the per-type services). It leaves when
/// its last stream closes.
/// </summary>
internal sealed class NodeRegistry
{
    // Lock order: _lock guards _nodes and the stream lists in it. It is held only to add, remove
    // or copy entries, never while a stream sends or waits.
    private readonly object _lock = new();
    private readonly Dictionary<(string Id, string Cluster), List<StreamStatus>> _nodes = [];

    public int NodeCount
    {
        get
        {
            lock (_lock)
            {
                return _nodes.Count;
            }
        }
    }

    /// <summary>Adds the stream under its node until the returned handle is disposed.</summary>
    public IDisposable Register(StreamStatus stream)
    {
        lock (_lock)
        {
            if (!_nodes.TryGetValue(Key(stream), out var streams))
            {
                streams = [];
                _nodes.Add(Key(stream), streams);
            }

            streams.Add(stream);
        }

        return new Registration(this, stream);
    }

    /// <summary>
    /// Lists every connected node, ordered by id and cluster. When several streams of a node serve
    /// the same type, the most recently opened one reports it.
    /// </summary>
    public IReadOnlyList<NodeView> GetNodes()
    {
        List<StreamStatus[]> copy;
        lock (_lock)
        {
            copy = _nodes.Values.Select(streams => streams.ToArray()).ToList();
        }

        return copy
            .Select(ToView)
            .OrderBy(node => node.Id, StringComparer.Ordinal)
            .ThenBy(node => node.Cluster, StringComparer.Ordinal)
            .ToList();
    }

    private static (string Id, string Cluster) Key(StreamStatus stream) => (stream.NodeId, stream.NodeCluster);

    private static NodeView ToView(StreamStatus[] streams)
    {
        var types = new Dictionary<string, TypeStatus>(StringComparer.Ordinal);
        for (var i = streams.Length - 1; i >= 0; i--)
        {
            foreach (var typeUrl in TypeUrls.All)
            {
                if (streams[i].Get(typeUrl) is { } status)
                {
                    types.TryAdd(TypeUrls.ShortName(typeUrl), status);
                }
            }
        }

        return new NodeView(streams[0].NodeId, streams[0].NodeCluster, streams.Length, types);
    }

    private void Unregister(StreamStatus stream)
    {
        lock (_lock)
        {
            if (_nodes.TryGetValue(Key(stream), out var streams) && streams.Remove(stream) && streams.Count == 0)
            {
                _nodes.Remove(Key(stream));
            }
        }
    }

    private sealed class Registration(NodeRegistry registry, StreamStatus stream) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                registry.Unregister(stream);
            }
        }
    }
}
