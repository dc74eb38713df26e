using System.Globalization;
using System.Text;

namespace ControlPlaneBench;

/// <summary>
/// The configuration the simulated nodes receive, as proto3 JSON for the operator API. It has
/// STATIC clusters with one inline endpoint each, which the control plane serves as EDS clusters,
/// one HTTP listener whose route configuration comes over RDS, and that route configuration.
/// </summary>
internal static class BenchConfig
{
    public const string ListenerName = "bench_listener";
    public const string RouteName = "bench_routes";

    /// <summary>The cluster whose endpoint each push changes.</summary>
    public const string PushedCluster = "cluster_0";

    private const string ClusterType = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    private const string ListenerType = "type.googleapis.com/envoy.config.listener.v3.Listener";
    private const string RouteType = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
    private const string HcmType =
        "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
    private const string RouterType = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";

    public static string ClusterName(int index) => $"cluster_{index}";

    /// <summary>A JSON array of clusters <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1.</summary>
    public static string Clusters(int first, int count)
    {
        var json = new StringBuilder("[");
        for (var i = first; i < first + count; i++)
        {
            json.Append(i == first ? "" : ",").Append(Cluster(i));
        }

        return json.Append(']').ToString();
    }

    /// <summary>A JSON array with the listener and its route configuration, which routes to cluster_0.</summary>
    public static string ListenerAndRoutes() => $"[{Listener()},{Routes()}]";

    /// <summary>The body of <c>PUT /api/v1/clusters/{name}/endpoints</c>: one endpoint on <paramref name="port"/>.</summary>
    public static string Endpoints(int port) =>
        """{"endpoints":[{"lb_endpoints":[{"endpoint":{"address":{"socket_address":{"address":"127.0.0.1","port_value":PORT}}}}]}]}"""
            .Replace("PORT", port.ToString(CultureInfo.InvariantCulture));

    private static string Cluster(int index) =>
        """
        {"@type":"CLUSTER_TYPE","name":"NAME","connect_timeout":"1s",
         "load_assignment":{"cluster_name":"NAME","endpoints":[{"lb_endpoints":[{"endpoint":
         {"address":{"socket_address":{"address":"127.0.0.1","port_value":PORT}}}}]}]}}
        """
            .Replace("CLUSTER_TYPE", ClusterType)
            .Replace("NAME", ClusterName(index))
            .Replace("PORT", (20_000 + index % 40_000).ToString(CultureInfo.InvariantCulture));

    private static string Listener() =>
        """
        {"@type":"LISTENER_TYPE","name":"LISTENER_NAME",
         "address":{"socket_address":{"address":"127.0.0.1","port_value":10000}},
         "filter_chains":[{"filters":[{"name":"envoy.filters.network.http_connection_manager",
          "typed_config":{"@type":"HCM_TYPE","stat_prefix":"bench",
           "rds":{"route_config_name":"ROUTE_NAME","config_source":{"ads":{},"resource_api_version":"V3"}},
           "http_filters":[{"name":"envoy.filters.http.router","typed_config":{"@type":"ROUTER_TYPE"}}]}}]}]}
        """
            .Replace("LISTENER_TYPE", ListenerType)
            .Replace("LISTENER_NAME", ListenerName)
            .Replace("HCM_TYPE", HcmType)
            .Replace("ROUTE_NAME", RouteName)
            .Replace("ROUTER_TYPE", RouterType);

    private static string Routes() =>
        """
        {"@type":"ROUTE_TYPE","name":"ROUTE_NAME","virtual_hosts":[{"name":"bench","domains":["*"],
         "routes":[{"match":{"prefix":"/"},"route":{"cluster":"CLUSTER_NAME"}}]}]}
        """
            .Replace("ROUTE_TYPE", RouteType)
            .Replace("ROUTE_NAME", RouteName)
            .Replace("CLUSTER_NAME", PushedCluster);
}
