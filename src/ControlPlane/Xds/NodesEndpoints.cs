using System.Text.Json;

namespace ControlPlane.Xds;

/// <summary>Maps <c>GET /api/v1/nodes</c>: the nodes connected over xDS and, per type, what they were sent and acknowledged.</summary>
public static class NodesEndpoints
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>Maps the endpoint so that it answers on <paramref name="apiPort"/> only.</summary>
    public static IEndpointRouteBuilder MapNodesApi(this IEndpointRouteBuilder endpoints, int apiPort)
    {
        endpoints.MapGet("/api/v1/nodes", (NodeRegistry registry) => Results.Json(registry.GetNodes(), JsonOptions))
            .RequireHost($"*:{apiPort}");
        return endpoints;
    }
}
