namespace Agent.Xds;

/// <summary>The xDS v3 type URLs the agent subscribes to over ADS.</summary>
internal static class XdsTypes
{
    public const string Cluster = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    public const string Endpoint = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    public const string Listener = "type.googleapis.com/envoy.config.listener.v3.Listener";
    public const string Route = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

    public static readonly IReadOnlyList<string> All = [Cluster, Endpoint, Listener, Route];

    public static string ShortName(string typeUrl) => typeUrl switch
    {
        Cluster => "cds",
        Endpoint => "eds",
        Listener => "lds",
        Route => "rds",
        _ => typeUrl,
    };
}
