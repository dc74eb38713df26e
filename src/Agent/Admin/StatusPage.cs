using System.Net;
using System.Text;
using Agent.Clusters;
using Agent.Listeners;

namespace Agent.Admin;

/// <summary>An HTML overview like HAProxy's stats page: each cluster, its hosts, their state and traffic.</summary>
internal static class StatusPage
{
    public static string Render(IEnumerable<UpstreamCluster> clusters, IEnumerable<ActiveListener> listeners, bool ready)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>agent status</title><style>")
            .Append("body{font-family:sans-serif}table{border-collapse:collapse;margin-bottom:1em}")
            .Append("td,th{border:1px solid #999;padding:2px 8px}th{background:#ddd}")
            .Append(".up{background:#c0ffc0}.down{background:#ffc0c0}.ejected{background:#ffe0a0}")
            .Append("</style></head><body>");
        html.Append("<h1>agent</h1><p>state: ").Append(ready ? "LIVE" : "INITIALIZING").Append("</p>");
        html.Append("<h2>Listeners</h2><table><tr><th>name</th><th>address</th><th>version</th><th>state</th></tr>");
        foreach (var listener in listeners)
        {
            html.Append("<tr><td>").Append(Encode(listener.Name)).Append("</td><td>").Append(Encode(listener.Address.ToString()))
                .Append("</td><td>").Append(Encode(listener.Version)).Append("</td><td>").Append(listener.State).Append("</td></tr>");
        }

        html.Append("</table><h2>Clusters</h2>");
        foreach (var cluster in clusters)
        {
            AppendCluster(html, cluster);
        }

        return html.Append("</body></html>").ToString();
    }

    private static void AppendCluster(StringBuilder html, UpstreamCluster cluster)
    {
        html.Append("<h3>").Append(Encode(cluster.Name)).Append(cluster.IsWarm ? "" : " (warming)").Append("</h3>")
            .Append("<table><tr><th>host</th><th>priority</th><th>weight</th><th>status</th><th>active requests</th>")
            .Append("<th>requests</th><th>errors</th><th>connect failures</th><th>ejections</th></tr>");
        foreach (var host in cluster.Hosts?.All ?? [])
        {
            var counters = host.Counters().ToDictionary(c => c.Name, c => c.Value);
            var css = host.IsHealthy ? "up" : host.Flags.HasFlag(HostHealthFlags.FailedOutlierCheck) ? "ejected" : "down";
            html.Append("<tr class=\"").Append(css).Append("\"><td>").Append(Encode(host.AddressText))
                .Append("</td><td>").Append(host.Priority).Append("</td><td>").Append(host.Weight)
                .Append("</td><td>").Append(Encode(HostHealthFlagsText.Format(host.Flags)))
                .Append("</td><td>").Append(counters["rq_active"]).Append("</td><td>").Append(counters["rq_total"])
                .Append("</td><td>").Append(counters["rq_error"]).Append("</td><td>").Append(counters["cx_connect_fail"])
                .Append("</td><td>").Append(host.Outlier.EjectionCount).Append("</td></tr>");
        }

        html.Append("</table>");
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
