using Agent.Stats;

namespace Agent.Clusters;

/// <summary>A cluster's counters and gauges, under Envoy's names <c>cluster.&lt;name&gt;.*</c>.</summary>
internal sealed class ClusterStats(StatsStore store, string clusterName)
{
    public Counter UpstreamCxTotal { get; } = store.Counter($"cluster.{clusterName}.upstream_cx_total");
    public Gauge UpstreamCxActive { get; } = store.Gauge($"cluster.{clusterName}.upstream_cx_active");
    public Counter UpstreamCxConnectFail { get; } = store.Counter($"cluster.{clusterName}.upstream_cx_connect_fail");
    public Counter UpstreamCxConnectTimeout { get; } = store.Counter($"cluster.{clusterName}.upstream_cx_connect_timeout");
    public Counter UpstreamRqTotal { get; } = store.Counter($"cluster.{clusterName}.upstream_rq_total");
    public Gauge UpstreamRqActive { get; } = store.Gauge($"cluster.{clusterName}.upstream_rq_active");
    public Counter UpstreamRq2xx { get; } = store.Counter($"cluster.{clusterName}.upstream_rq_2xx");
    public Counter UpstreamRq4xx { get; } = store.Counter($"cluster.{clusterName}.upstream_rq_4xx");
    public Counter UpstreamRq5xx { get; } = store.Counter($"cluster.{clusterName}.upstream_rq_5xx");
    public Counter UpstreamRqTimeout { get; } = store.Counter($"cluster.{clusterName}.upstream_rq_timeout");
    public Counter UpstreamRqRetry { get; } = store.Counter($"cluster.{clusterName}.upstream_rq_retry");
    public Counter UpstreamCxNoneHealthy { get; } = store.Counter($"cluster.{clusterName}.upstream_cx_none_healthy");
    public Counter MembershipChange { get; } = store.Counter($"cluster.{clusterName}.membership_change");
    public Gauge MembershipTotal { get; } = store.Gauge($"cluster.{clusterName}.membership_total");
    public Gauge MembershipHealthy { get; } = store.Gauge($"cluster.{clusterName}.membership_healthy");
    public Counter LbHealthyPanic { get; } = store.Counter($"cluster.{clusterName}.lb_healthy_panic");
    public Counter UpdateSuccess { get; } = store.Counter($"cluster.{clusterName}.update_success");
    public Counter UpdateRejected { get; } = store.Counter($"cluster.{clusterName}.update_rejected");

    public StatsStore Store => store;

    public string ClusterName => clusterName;

    public void RecordStatus(int statusCode)
    {
        var counter = statusCode switch
        {
            >= 500 => UpstreamRq5xx,
            >= 400 => UpstreamRq4xx,
            >= 200 and < 300 => UpstreamRq2xx,
            _ => null,
        };
        counter?.Increment();
        store.Counter($"cluster.{clusterName}.upstream_rq_{statusCode}").Increment();
    }
}
