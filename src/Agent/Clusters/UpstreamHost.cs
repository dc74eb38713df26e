using System.Net;
using Agent.Health;
using Agent.Stats;

namespace Agent.Clusters;

/// <summary>Receives what traffic reports about a host: outlier detection listens here.</summary>
internal interface IHostOutcomeSink
{
    void OnHttpStatus(UpstreamHost host, int statusCode);

    void OnLocalOriginFailure(UpstreamHost host, LocalOriginFailure failure);

    void OnSuccess(UpstreamHost host);
}

/// <summary>
/// One endpoint of a cluster. The object lives as long as the endpoint stays in the cluster's
/// assignment, so its health, outlier state and counters survive EDS updates, as in Envoy.
/// </summary>
internal sealed class UpstreamHost : IUpstreamHost
{
    private readonly ClusterStats _clusterStats;
    private int _flags;
    private long _cxTotal;
    private long _cxActive;
    private long _cxConnectFail;
    private long _rqTotal;
    private long _rqActive;
    private long _rqError;
    private long _rqSuccess;
    private long _rqTimeout;

    public UpstreamHost(IPEndPoint address, ClusterStats clusterStats)
    {
        Address = address;
        AddressText = address.ToString();
        HttpDestination = $"http://{AddressText}";
        _clusterStats = clusterStats;
    }

    public EndPoint Address { get; }

    public IPEndPoint IPAddress => (IPEndPoint)Address;

    public string AddressText { get; }

    /// <summary>The HTTP forwarder's destination prefix for this host, built once rather than per request.</summary>
    public string HttpDestination { get; }

    public int Priority { get; set; }

    public int Weight { get; set; } = 1;

    /// <summary>Set by the cluster that owns the host; outcomes go nowhere when it has no detector.</summary>
    public IHostOutcomeSink? OutcomeSink { get; set; }

    public OutlierHostState Outlier { get; } = new();

    /// <summary>Active health check counters, guarded by the health checker.</summary>
    public int HealthCheckSuccesses;

    public int HealthCheckFailures;

    public HostHealthFlags Flags => (HostHealthFlags)Volatile.Read(ref _flags);

    /// <summary>True when the host takes traffic outside panic: no failure flag is set.</summary>
    public bool IsHealthy => (Flags & ~HostHealthFlags.PendingActiveHealthCheck) == HostHealthFlags.None;

    public long ActiveRequests => Interlocked.Read(ref _rqActive);

    public long ActiveConnections => Interlocked.Read(ref _cxActive);

    public void SetFlag(HostHealthFlags flag, bool set)
    {
        int current, updated;
        do
        {
            current = Volatile.Read(ref _flags);
            updated = set ? current | (int)flag : current & ~(int)flag;
        }
        while (Interlocked.CompareExchange(ref _flags, updated, current) != current);
    }

    public void RecordSuccess() => OutcomeSink?.OnSuccess(this);

    public void RecordLocalOriginFailure(LocalOriginFailure failure)
    {
        if (failure == LocalOriginFailure.ConnectFailed)
        {
            Interlocked.Increment(ref _cxConnectFail);
            _clusterStats.UpstreamCxConnectFail.Increment();
        }
        else if (failure == LocalOriginFailure.Timeout)
        {
            Interlocked.Increment(ref _rqTimeout);
        }

        Interlocked.Increment(ref _rqError);
        OutcomeSink?.OnLocalOriginFailure(this, failure);
    }

    public void RecordHttpStatus(int statusCode)
    {
        Interlocked.Increment(ref statusCode >= 500 ? ref _rqError : ref _rqSuccess);
        _clusterStats.RecordStatus(statusCode);
        OutcomeSink?.OnHttpStatus(this, statusCode);
    }

    public IDisposable BeginRequest()
    {
        Interlocked.Increment(ref _rqTotal);
        Interlocked.Increment(ref _rqActive);
        _clusterStats.UpstreamRqTotal.Increment();
        _clusterStats.UpstreamRqActive.Increment();

        // One object per request, not a handle plus a closure: the Redis proxy starts one per command.
        return new RequestHandle(this);
    }

    public IDisposable BeginConnection()
    {
        Interlocked.Increment(ref _cxTotal);
        Interlocked.Increment(ref _cxActive);
        _clusterStats.UpstreamCxTotal.Increment();
        _clusterStats.UpstreamCxActive.Increment();
        return new Handle(() =>
        {
            Interlocked.Decrement(ref _cxActive);
            _clusterStats.UpstreamCxActive.Decrement();
        });
    }

    /// <summary>The per-host counters in the order Envoy's /clusters prints them.</summary>
    public IEnumerable<(string Name, long Value)> Counters() =>
    [
        ("cx_active", Interlocked.Read(ref _cxActive)),
        ("cx_connect_fail", Interlocked.Read(ref _cxConnectFail)),
        ("cx_total", Interlocked.Read(ref _cxTotal)),
        ("rq_active", Interlocked.Read(ref _rqActive)),
        ("rq_error", Interlocked.Read(ref _rqError)),
        ("rq_success", Interlocked.Read(ref _rqSuccess)),
        ("rq_timeout", Interlocked.Read(ref _rqTimeout)),
        ("rq_total", Interlocked.Read(ref _rqTotal)),
    ];

    private sealed class RequestHandle(UpstreamHost host) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref host._rqActive);
                host._clusterStats.UpstreamRqActive.Decrement();
            }
        }
    }

    private sealed class Handle(Action release) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                release();
            }
        }
    }
}
