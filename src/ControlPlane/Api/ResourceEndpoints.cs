using System.Text;
using ControlPlane.Configuration;
using Envoy.Api.Serialization;
using Envoy.Config.Endpoint.V3;
using Google.Protobuf;

namespace ControlPlane.Api;

/// <summary>
/// The handlers of <c>/api/v1/clusters</c>, <c>/listeners</c> and <c>/routes</c>, the cluster
/// endpoints call and <c>/api/v1/apply</c>. Each change goes through <see cref="ConfigService"/>.
/// </summary>
internal static class ResourceEndpoints
{
    public static void MapResource(RouteGroupBuilder api, string segment, ResourceKind kind)
    {
        var group = api.MapGroup(segment);
        group.MapGet("", (ConfigService config) => List(config.Current.All(kind)));
        group.MapGet("/{name}", (string name, ConfigService config) => Get(config, kind, DecodeSlash(name)));
        group.MapPost("", (HttpRequest request, RequestBody body, ConfigService config, CancellationToken cancel) =>
            WriteAsync(request, body, config, kind, EditMode.Create, name: null, $"/api/v1/{segment}", cancel));
        group.MapPut("/{name}", (string name, HttpRequest request, RequestBody body, ConfigService config, CancellationToken cancel) =>
            WriteAsync(request, body, config, kind, EditMode.Upsert, DecodeSlash(name), $"/api/v1/{segment}", cancel));
        group.MapDelete("/{name}", (string name, ConfigService config, CancellationToken cancel) =>
            DeleteAsync(config, kind, DecodeSlash(name), cancel));
    }

    // ASP.NET Core decodes every escape in a route value except %2F, which it leaves as is so that
    // a path keeps its segments. Names never contain '/', so an encoded one is decoded to be rejected.
    private static string DecodeSlash(string name) => name.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    private static IResult Get(ConfigService config, ResourceKind kind, string name) =>
        config.Current.Find(kind, name) is { } resource ? Json(EnvoyJson.Format(resource), 200) : NotFound(kind, name);

    public static async Task<IResult> SetEndpointsAsync(
        string name, HttpRequest request, RequestBody body, ConfigService config, CancellationToken cancel)
    {
        name = DecodeSlash(name);
        var (text, format, problem) = await body.ReadAsync(request, cancel);
        var read = problem is null ? ResourceReader.ReadSingle(text, format, ResourceKind.Endpoints) : null;
        if (problem is not null || read!.Resource is null)
        {
            return (problem ?? new ApiProblem(StatusCodes.Status400BadRequest, read!.Problems)).ToResult();
        }

        var endpoints = (ClusterLoadAssignment)read.Resource;
        if (endpoints.ClusterName.Length > 0 && endpoints.ClusterName != name)
        {
            return ApiProblem.Invalid("cluster_name", $"is '{endpoints.ClusterName}' but must be empty or equal the cluster in the URL, '{name}'").ToResult();
        }

        endpoints.ClusterName = name;
        var result = await config.ApplyAsync([new ConfigEdit(EditMode.SetEndpoints, ResourceKind.Endpoints, name, endpoints)], cancel);
        return result.Status == ChangeStatus.Applied
            ? Json(ChangeBody(result.Version, "resource", EnvoyJson.Format(endpoints)), 200)
            : ApiProblem.From(result).ToResult();
    }

    public static async Task<IResult> ApplyAsync(HttpRequest request, RequestBody body, ConfigService config, CancellationToken cancel)
    {
        var (text, format, problem) = await body.ReadAsync(request, cancel);
        if (problem is not null)
        {
            return problem.ToResult();
        }

        var documents = ResourceReader.ReadMany(text, format, out var bodyProblem);
        var readProblems = documents.SelectMany(d => d.Problems).ToList();
        if (bodyProblem is not null || readProblems.Count > 0)
        {
            return new ApiProblem(StatusCodes.Status400BadRequest, bodyProblem is { } p ? [p] : readProblems).ToResult();
        }

        var edits = documents.Select((d, i) =>
            new ConfigEdit(EditMode.Upsert, d.Kind, ResourceKinds.NameOf(d.Resource!), d.Resource, $"resources[{i}]")).ToList();
        var result = await config.ApplyAsync(edits, cancel);
        if (result.Status != ChangeStatus.Applied)
        {
            return ApiProblem.From(result).ToResult();
        }

        var resources = "[" + string.Join(",", documents.Select(d => EnvoyJson.Format(Any(d.Resource!)))) + "]";
        return Json(ChangeBody(result.Version, "resources", resources), 200);
    }

    private static async Task<IResult> WriteAsync(
        HttpRequest request, RequestBody body, ConfigService config, ResourceKind kind, EditMode mode, string? name,
        string basePath, CancellationToken cancel)
    {
        var (text, format, problem) = await body.ReadAsync(request, cancel);
        var read = problem is null ? ResourceReader.ReadSingle(text, format, kind) : null;
        if (problem is not null || read!.Resource is null)
        {
            return (problem ?? new ApiProblem(StatusCodes.Status400BadRequest, read!.Problems)).ToResult();
        }

        var resource = read.Resource;
        if (name is not null && NameMismatch(resource, name) is { } mismatch)
        {
            return mismatch.ToResult();
        }

        var resourceName = ResourceKinds.NameOf(resource);
        var result = await config.ApplyAsync([new ConfigEdit(mode, kind, resourceName, resource)], cancel);
        if (result.Status != ChangeStatus.Applied)
        {
            return ApiProblem.From(result).ToResult();
        }

        var content = ChangeBody(result.Version, "resource", EnvoyJson.Format(resource));
        if (!result.Created[0])
        {
            return Json(content, 200);
        }

        return new CreatedJson($"{basePath}/{Uri.EscapeDataString(resourceName)}", content);
    }

    /// <summary>Fills an empty name from the URL; a different name is an error.</summary>
    private static ApiProblem? NameMismatch(IMessage resource, string name)
    {
        var nameField = resource.Descriptor.FindFieldByName("name");
        var nameInBody = (string)nameField.Accessor.GetValue(resource);
        if (nameInBody.Length == 0)
        {
            nameField.Accessor.SetValue(resource, name);
            return null;
        }

        return nameInBody == name ? null : ApiProblem.Invalid("name", $"is '{nameInBody}' but must equal the name in the URL, '{name}'");
    }

    private static async Task<IResult> DeleteAsync(ConfigService config, ResourceKind kind, string name, CancellationToken cancel)
    {
        var result = await config.ApplyAsync([new ConfigEdit(EditMode.Delete, kind, name, null)], cancel);
        return result.Status == ChangeStatus.Applied ? Results.NoContent() : ApiProblem.From(result).ToResult();
    }

    private static IResult NotFound(ResourceKind kind, string name) =>
        new ApiProblem(StatusCodes.Status404NotFound, [new("name", $"{kind.Noun()} '{name}' does not exist")]).ToResult();

    private static IResult List(IEnumerable<IMessage> resources) =>
        Json("[" + string.Join(",", resources.Select(EnvoyJson.Format)) + "]", 200);

    private static Google.Protobuf.WellKnownTypes.Any Any(IMessage resource) => Google.Protobuf.WellKnownTypes.Any.Pack(resource);

    private static string ChangeBody(long version, string property, string resourceJson) =>
        $"{{\"version\":{version},\"{property}\":{resourceJson}}}";

    private static IResult Json(string content, int status) =>
        Results.Text(content, "application/json", Encoding.UTF8, status);

    /// <summary>201 with a Location header and a body that is already JSON text.</summary>
    private sealed class CreatedJson(string location, string content) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return Json(content, StatusCodes.Status201Created).ExecuteAsync(httpContext);
        }
    }
}
