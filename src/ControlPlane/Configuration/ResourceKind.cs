using ControlPlane.Snapshots;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace ControlPlane.Configuration;

/// <summary>The four resource types an operator writes.</summary>
internal enum ResourceKind
{
    Cluster,
    Endpoints,
    Listener,
    Route,
}

internal static class ResourceKinds
{
    public static string TypeUrl(this ResourceKind kind) => kind switch
    {
        ResourceKind.Cluster => TypeUrls.Cluster,
        ResourceKind.Endpoints => TypeUrls.Endpoint,
        ResourceKind.Listener => TypeUrls.Listener,
        _ => TypeUrls.Route,
    };

    public static MessageDescriptor Descriptor(this ResourceKind kind) => kind switch
    {
        ResourceKind.Cluster => Cluster.Descriptor,
        ResourceKind.Endpoints => ClusterLoadAssignment.Descriptor,
        ResourceKind.Listener => Listener.Descriptor,
        _ => RouteConfiguration.Descriptor,
    };

    /// <summary>The word used in messages and in the store, for example <c>cluster</c>.</summary>
    public static string Noun(this ResourceKind kind) => kind switch
    {
        ResourceKind.Cluster => "cluster",
        ResourceKind.Endpoints => "endpoints",
        ResourceKind.Listener => "listener",
        _ => "route configuration",
    };

    public static ResourceKind? FromTypeUrl(string typeUrl) => typeUrl switch
    {
        TypeUrls.Cluster => ResourceKind.Cluster,
        TypeUrls.Endpoint => ResourceKind.Endpoints,
        TypeUrls.Listener => ResourceKind.Listener,
        TypeUrls.Route => ResourceKind.Route,
        _ => null,
    };

    /// <summary>The resource's name: the cluster name for a ClusterLoadAssignment.</summary>
    public static string NameOf(IMessage resource) => resource switch
    {
        Cluster cluster => cluster.Name,
        ClusterLoadAssignment endpoints => endpoints.ClusterName,
        Listener listener => listener.Name,
        RouteConfiguration route => route.Name,
        _ => throw new ArgumentException($"unsupported resource type {resource.Descriptor.FullName}", nameof(resource)),
    };
}
