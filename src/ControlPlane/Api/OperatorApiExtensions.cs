namespace ControlPlane.Api;

/// <summary>Registers and maps the operator REST API under <c>/api/v1</c>.</summary>
public static class OperatorApiExtensions
{
    public static IServiceCollection AddOperatorApi(this IServiceCollection services)
    {
        return services;
    }

    /// <summary>Maps the API so that it answers on <paramref name="apiPort"/> only.</summary>
    public static IEndpointRouteBuilder MapOperatorApi(this IEndpointRouteBuilder endpoints, int apiPort)
    {
        return endpoints;
    }
}
