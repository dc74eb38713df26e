using ControlPlane.Configuration;
using ControlPlane.Snapshots;
using ControlPlane.Store;
using ControlPlane.Validation;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using FluentValidation;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ControlPlane.Api;

/// <summary>Registers and maps the operator REST API under <c>/api/v1</c>.</summary>
public static class OperatorApiExtensions
{
    public static IServiceCollection AddOperatorApi(this IServiceCollection services)
    {
        services.AddOptions<OperatorApiOptions>().BindConfiguration(ControlPlaneOptions.SectionName);
        services.AddProblemDetails();
        services.TryAddSingleton<SnapshotCache>();
        services.AddSingleton<ConfigStore>();
        services.AddSingleton<IValidator<Cluster>, ClusterValidator>();
        services.AddSingleton<IValidator<ClusterLoadAssignment>, ClusterLoadAssignmentValidator>();
        services.AddSingleton<IValidator<Listener>, ListenerValidator>();
        services.AddSingleton<IValidator<RouteConfiguration>, RouteConfigurationValidator>();
        services.AddSingleton<IValidator<ConfigState>, ReferenceValidator>();
        services.AddSingleton<ResourceValidators>();
        services.AddSingleton<RequestBody>();
        services.AddSingleton<ConfigService>();
        services.AddHostedService(provider => provider.GetRequiredService<ConfigService>());
        return services;
    }

    /// <summary>Maps the API so that it answers on <paramref name="apiPort"/> only.</summary>
    public static IEndpointRouteBuilder MapOperatorApi(this IEndpointRouteBuilder endpoints, int apiPort)
    {
        var api = endpoints.MapGroup("/api/v1").RequireHost($"*:{apiPort}");
        api.AddEndpointFilter<ApiExceptionFilter>();
        ResourceEndpoints.MapResource(api, "clusters", ResourceKind.Cluster);
        ResourceEndpoints.MapResource(api, "listeners", ResourceKind.Listener);
        ResourceEndpoints.MapResource(api, "routes", ResourceKind.Route);
        api.MapPut("/clusters/{name}/endpoints", ResourceEndpoints.SetEndpointsAsync);
        api.MapPost("/apply", ResourceEndpoints.ApplyAsync);
        return endpoints;
    }
}
