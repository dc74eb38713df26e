using Prometheus;

namespace ControlPlane.Xds;

/// <summary>
/// The xDS server's Prometheus instruments, served on the API port's <c>/metrics</c>. They live in
/// prometheus-net's default registry, which is process-wide: two control planes in one process
/// (as in tests) add to the same series.
/// </summary>
internal sealed class XdsMetrics
{
    private static readonly Gauge ConnectedStreams = Metrics.CreateGauge(
        "xds_connected_streams", "xDS streams open now (ADS and per-type services).");

    private static readonly Counter Responses = Metrics.CreateCounter(
        "xds_responses_total", "DiscoveryResponses sent, by type URL.", "type_url");

    private static readonly Counter Acks = Metrics.CreateCounter(
        "xds_acks_total", "Responses that a node acknowledged (ACK), by type URL.", "type_url");

    private static readonly Counter Nacks = Metrics.CreateCounter(
        "xds_nacks_total", "Responses that a node rejected (NACK, error_detail set), by type URL.", "type_url");

    private static readonly Counter IgnoredRequests = Metrics.CreateCounter(
        "xds_ignored_requests_total",
        "Requests the server ignored: reason stale_nonce (answers an older response) or unknown_type_url (ADS only).",
        "reason");

    private static readonly Counter RejectedCalls = Metrics.CreateCounter(
        "xds_rejected_calls_total",
        "Calls (streams and fetches) ended with InvalidArgument: reason missing_node (no node.id) or wrong_type_url (per-type services).",
        "reason");

    private static readonly Histogram ChangeToAck = Metrics.CreateHistogram(
        "xds_change_to_ack_seconds",
        "Seconds from the publish of a configuration change to a node's ACK of the response that pushed it, per ACK.",
        new HistogramConfiguration
        {
            LabelNames = ["type_url"],
            // 1 ms to about 33 s.
            Buckets = Histogram.ExponentialBuckets(0.001, 2, 16),
        });

    public void StreamOpened() => ConnectedStreams.Inc();

    public void StreamClosed() => ConnectedStreams.Dec();

    public void ResponseSent(string typeUrl) => Responses.WithLabels(typeUrl).Inc();

    public void AckReceived(string typeUrl) => Acks.WithLabels(typeUrl).Inc();

    public void NackReceived(string typeUrl) => Nacks.WithLabels(typeUrl).Inc();

    public void StaleNonceIgnored() => IgnoredRequests.WithLabels("stale_nonce").Inc();

    public void UnknownTypeUrlIgnored() => IgnoredRequests.WithLabels("unknown_type_url").Inc();

    public void CallRejected(string reason) => RejectedCalls.WithLabels(reason).Inc();

    public void ChangeAcknowledged(string typeUrl, TimeSpan sincePublish) =>
        ChangeToAck.WithLabels(typeUrl).Observe(sincePublish.TotalSeconds);
}
