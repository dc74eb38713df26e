using System.Text;
using Agent.Clusters;

namespace Agent.Admin;

/// <summary>Envoy's /clusters text: circuit breaker lines per cluster, then one line per host and stat.</summary>
internal static class ClustersText
{
    public static string Format(IEnumerable<UpstreamCluster> clusters)
    {
        var text = new StringBuilder();
        foreach (var cluster in clusters)
        {
            AppendCluster(text, cluster);
        }

        return text.ToString();
    }

    private static void AppendCluster(StringBuilder text, UpstreamCluster cluster)
    {
        var name = cluster.Name;
        var limits = cluster.Breakers.Limits;
        text.Append($"{name}::observability_name::{name}\n");
        text.Append($"{name}::default_priority::max_connections::{limits.MaxConnections}\n");
        text.Append($"{name}::default_priority::max_pending_requests::{limits.MaxPendingRequests}\n");
        text.Append($"{name}::default_priority::max_requests::{limits.MaxRequests}\n");
        text.Append($"{name}::default_priority::max_retries::{limits.MaxRetries}\n");
        text.Append($"{name}::added_via_api::true\n");
        foreach (var host in cluster.Hosts?.All ?? [])
        {
            var prefix = $"{name}::{host.AddressText}::";
            foreach (var (stat, value) in host.Counters())
            {
                text.Append(prefix).Append(stat).Append("::").Append(value).Append('\n');
            }

            text.Append(prefix).Append("health_flags::").Append(HostHealthFlagsText.Format(host.Flags)).Append('\n');
            text.Append(prefix).Append("weight::").Append(host.Weight).Append('\n');
            text.Append(prefix).Append("priority::").Append(host.Priority).Append('\n');
            text.Append(prefix).Append("success_rate::-1\n");
            text.Append(prefix).Append("local_origin_success_rate::-1\n");
        }
    }
}
