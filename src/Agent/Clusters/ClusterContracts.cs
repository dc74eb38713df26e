using System.Net;

namespace Agent.Clusters;

/// <summary>The clusters the agent has received over CDS and warmed with their endpoints.</summary>
public interface IClusterManager
{
    /// <summary>
    /// Returns the cluster, or null when no cluster of that name exists or it is still warming
    /// (its endpoints have not arrived), as Envoy reports "no healthy upstream" in both cases.
    /// </summary>
    IUpstreamCluster? GetCluster(string name);
}

/// <summary>A cluster's live view: hosts by priority, load balancing, health and outlier state.</summary>
public interface IUpstreamCluster
{
    string Name { get; }

    /// <summary>The cluster's <c>connect_timeout</c> (Envoy's default: 5 s).</summary>
    TimeSpan ConnectTimeout { get; }

    /// <summary>
    /// Chooses a host by priority load (overprovisioning factor, panic threshold), health, outlier
    /// state and the cluster's load balancing policy. <paramref name="hashKey"/> feeds ring hash and
    /// maglev; other policies ignore it. Returns null when the cluster has no host to offer.
    /// </summary>
    IUpstreamHost? ChooseHost(ulong? hashKey = null);

    /// <summary>The cluster's circuit breakers at the default priority.</summary>
    ICircuitBreakers CircuitBreakers { get; }
}

/// <summary>One endpoint of a cluster, shared by every connection that uses it.</summary>
public interface IUpstreamHost
{
    /// <summary>The socket address from the endpoint's <c>socket_address</c>.</summary>
    EndPoint Address { get; }

    /// <summary>The address as Envoy prints it in /clusters: <c>ip:port</c>.</summary>
    string AddressText { get; }

    int Priority { get; }

    /// <summary>Records that a connection or request to this host succeeded (clears consecutive failure counts).</summary>
    void RecordSuccess();

    /// <summary>
    /// Records a locally originated failure: a connect failure, a timeout or a reset. It feeds outlier
    /// detection's <c>consecutive_local_origin_failure</c> (or the 5xx counters when
    /// <c>split_external_local_origin_errors</c> is false, as Envoy does) and the host's counters.
    /// </summary>
    void RecordLocalOriginFailure(LocalOriginFailure failure);

    /// <summary>Records an HTTP response status from this host, for the 5xx and gateway-failure detectors.</summary>
    void RecordHttpStatus(int statusCode);

    /// <summary>Counts a request that starts (upstream_rq_total, upstream_rq_active) until the returned handle is disposed.</summary>
    IDisposable BeginRequest();

    /// <summary>Counts a connection that opens (upstream_cx_total, upstream_cx_active) until the returned handle is disposed.</summary>
    IDisposable BeginConnection();
}

public enum LocalOriginFailure
{
    ConnectFailed,
    Timeout,
    ConnectionReset,
}

/// <summary>A cluster's circuit breakers. Each TryEnter that returns true must be paired with a Dispose of its lease.</summary>
public interface ICircuitBreakers
{
    /// <summary>Takes a slot under <c>max_connections</c>; null when the limit is reached (upstream_cx_overflow).</summary>
    IDisposable? TryOpenConnection();

    /// <summary>Takes a slot under <c>max_pending_requests</c>; null when the limit is reached (upstream_rq_pending_overflow).</summary>
    IDisposable? TryQueueRequest();

    /// <summary>Takes a slot under <c>max_requests</c>; null when the limit is reached (upstream_rq_pending_overflow).</summary>
    IDisposable? TryStartRequest();
}
