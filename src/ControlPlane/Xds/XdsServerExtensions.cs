using ControlPlane.Snapshots;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ControlPlane.Xds;

/// <summary>Registers and maps the xDS gRPC services, gRPC health and gRPC reflection.</summary>
public static class XdsServerExtensions
{
    public static IServiceCollection AddXdsServer(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SnapshotCache>();
        services.AddSingleton<NodeRegistry>();
        services.AddSingleton<XdsMetrics>();
        services.AddSingleton<StreamDrain>();
        services.AddHostedService(provider => provider.GetRequiredService<StreamDrain>());
        services.AddSingleton<XdsStreamHandler>();
        services.AddGrpc();
        // With no health check registered, Grpc.AspNetCore.HealthChecks 2.85 returns UNKNOWN, so
        // the xDS server registers one that is healthy whenever the process serves requests.
        services.AddGrpcHealthChecks().AddCheck("xds", () => HealthCheckResult.Healthy());
        services.AddGrpcReflection();
        return services;
    }

    /// <summary>Maps the xDS services, gRPC health and reflection so that they are served on <paramref name="xdsPort"/> only.</summary>
    public static IEndpointRouteBuilder MapXdsServer(this IEndpointRouteBuilder endpoints, int xdsPort)
    {
        var host = $"*:{xdsPort}";
        endpoints.MapGrpcService<AggregatedDiscoveryServiceImpl>().RequireHost(host);
        endpoints.MapGrpcService<ClusterDiscoveryServiceImpl>().RequireHost(host);
        endpoints.MapGrpcService<EndpointDiscoveryServiceImpl>().RequireHost(host);
        endpoints.MapGrpcService<ListenerDiscoveryServiceImpl>().RequireHost(host);
        endpoints.MapGrpcService<RouteDiscoveryServiceImpl>().RequireHost(host);
        endpoints.MapGrpcHealthChecksService().RequireHost(host);
        endpoints.MapGrpcReflectionService().RequireHost(host);
        return endpoints;
    }
}
