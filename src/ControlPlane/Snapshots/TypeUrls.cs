namespace ControlPlane.Snapshots;

/// <summary>The xDS v3 type URLs the control plane serves, in the order ADS sends them.</summary>
public static class TypeUrls
{
    public const string Cluster = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    public const string Endpoint = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    public const string Listener = "type.googleapis.com/envoy.config.listener.v3.Listener";
    public const string Route = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

    /// <summary>
    /// Clusters before their endpoints and listeners before their routes, so that a client never
    /// receives an endpoint or route set that no resource it has received refers to yet.
    /// </summary>
    public static readonly IReadOnlyList<string> All = [Cluster, Endpoint, Listener, Route];

    /// <summary>
    /// True for the types whose subscriptions name their resources (EDS and RDS); false for the
    /// wildcard types (CDS and LDS), whose every response carries the full set.
    /// </summary>
    public static bool IsNamedSubscription(string typeUrl) => typeUrl is Endpoint or Route;

    public static bool IsKnown(string typeUrl) => typeUrl is Cluster or Endpoint or Listener or Route;

    /// <summary>The position of <paramref name="typeUrl"/> in <see cref="All"/>, or -1 for a type the control plane does not serve.</summary>
    public static int IndexOf(string typeUrl) => typeUrl switch
    {
        Cluster => 0,
        Endpoint => 1,
        Listener => 2,
        Route => 3,
        _ => -1,
    };

    /// <summary>The short name used in logs, metrics and the nodes API: cds, eds, lds or rds.</summary>
    public static string ShortName(string typeUrl) => typeUrl switch
    {
        Cluster => "cds",
        Endpoint => "eds",
        Listener => "lds",
        Route => "rds",
        _ => "unknown",
    };
}
