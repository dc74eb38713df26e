namespace Agent.Xds;

/// <summary>Per type: the version last accepted, the nonce last seen and the last rejection.</summary>
internal sealed record XdsTypeStatus(string Version, string Nonce, string? LastNack, DateTimeOffset? LastUpdated);

/// <summary>What the ADS client has received so far; the admin endpoints read it.</summary>
internal sealed class XdsStatus
{
    private readonly object _lock = new();
    private readonly Dictionary<string, XdsTypeStatus> _types = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _initialFetch = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<string> _received = [];

    public bool Connected { get; set; }

    /// <summary>Completes once the first CDS and LDS responses have been processed (accepted or not).</summary>
    public Task InitialFetch => _initialFetch.Task;

    public IReadOnlyDictionary<string, XdsTypeStatus> Types
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<string, XdsTypeStatus>(_types);
            }
        }
    }

    public void Record(string typeUrl, XdsTypeStatus status)
    {
        lock (_lock)
        {
            _types[typeUrl] = status;
            _received.Add(typeUrl);
            if (_received.Contains(XdsTypes.Cluster) && _received.Contains(XdsTypes.Listener))
            {
                _initialFetch.TrySetResult();
            }
        }
    }
}
