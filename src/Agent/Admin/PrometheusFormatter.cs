using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Agent.Stats;

namespace Agent.Admin;

/// <summary>
/// Formats the stats as Envoy's /stats/prometheus does: the dotted name loses its tag values,
/// which become labels, and gets the <c>envoy_</c> prefix. For example
/// <c>cluster.web.upstream_rq_total</c> becomes <c>envoy_cluster_upstream_rq_total{envoy_cluster_name="web"}</c>.
/// </summary>
internal static partial class PrometheusFormatter
{
    // Envoy's default tag extractors for the stats the agent emits, applied in order.
    // With RemoveSeparator the value goes together with the '.' or '_' before it. A response code
    // class keeps its "_", so upstream_rq_2xx becomes upstream_rq_xx, as in Envoy.
    private static readonly (Regex Pattern, string Label, bool RemoveSeparator)[] Extractors =
    [
        (ClusterName(), "envoy_cluster_name", true),
        (ListenerAddress(), "envoy_listener_address", true),
        (HttpPrefix(), "envoy_http_conn_manager_prefix", true),
        (TcpPrefix(), "envoy_tcp_prefix", true),
        (RedisPrefix(), "envoy_redis_prefix", true),
        (RedisCommand(), "envoy_redis_cmd", true),
        (ResponseCode(), "envoy_response_code", true),
        (ResponseCodeClass(), "envoy_response_code_class", false),
    ];

    public static string Format(StatsStore stats)
    {
        var builder = new StringBuilder();
        Append(builder, stats.Counters.Select(c => (c.Key, c.Value.Value)), "counter");
        Append(builder, stats.Gauges.Select(g => (g.Key, g.Value.Value)), "gauge");
        return builder.ToString();
    }

    private static void Append(StringBuilder builder, IEnumerable<(string Name, long Value)> stats, string type)
    {
        var series = stats.Select(s => (Metric: Split(s.Name), s.Value))
            .GroupBy(s => s.Metric.Name)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var group in series)
        {
            builder.Append("# TYPE ").Append(group.Key).Append(' ').Append(type).Append('\n');
            foreach (var (metric, value) in group.OrderBy(s => s.Metric.Labels, StringComparer.Ordinal))
            {
                builder.Append(group.Key).Append(metric.Labels).Append(' ')
                    .Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
    }

    /// <summary>Splits a dotted stat name into its Prometheus name and label set.</summary>
    public static (string Name, string Labels) Split(string statName)
    {
        var labels = new List<string>();
        var name = statName;
        foreach (var (pattern, label, removeSeparator) in Extractors)
        {
            var match = pattern.Match(name);
            if (!match.Success)
            {
                continue;
            }

            var value = match.Groups["value"];
            labels.Add($"{label}=\"{Escape(value.Value)}\"");
            name = removeSeparator ? name.Remove(value.Index - 1, value.Length + 1) : name.Remove(value.Index, value.Length);
        }

        var metric = "envoy_" + Sanitize().Replace(name, "_");
        return (metric, labels.Count == 0 ? "" : "{" + string.Join(",", labels) + "}");
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"");

    [GeneratedRegex(@"^cluster\.(?<value>[^.]+)\.")]
    private static partial Regex ClusterName();

    [GeneratedRegex(@"^listener\.(?<value>[^.]+)\.")]
    private static partial Regex ListenerAddress();

    [GeneratedRegex(@"^http\.(?<value>[^.]+)\.")]
    private static partial Regex HttpPrefix();

    [GeneratedRegex(@"^tcp\.(?<value>[^.]+)\.")]
    private static partial Regex TcpPrefix();

    [GeneratedRegex(@"^redis\.(?<value>[^.]+)\.")]
    private static partial Regex RedisPrefix();

    [GeneratedRegex(@"^redis\.command\.(?<value>[^.]+)\.")]
    private static partial Regex RedisCommand();

    [GeneratedRegex(@"_rq_(?<value>\d{3})$")]
    private static partial Regex ResponseCode();

    [GeneratedRegex(@"_rq_(?<value>\d)xx$")]
    private static partial Regex ResponseCodeClass();

    [GeneratedRegex(@"[^a-zA-Z0-9_]")]
    private static partial Regex Sanitize();
}
