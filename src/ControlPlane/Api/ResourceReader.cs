using System.Text.Json;
using System.Text.Json.Nodes;
using ControlPlane.Configuration;
using ControlPlane.Validation;
using Envoy.Api.Serialization;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using YamlDotNet.Core;

namespace ControlPlane.Api;

/// <summary>A resource read from a request: the message, or the problems that kept it from being read.</summary>
internal sealed record ReadResource(IMessage? Resource, ResourceKind Kind, List<FieldProblem> Problems);

/// <summary>Turns request bodies (proto3 JSON or YAML) into Envoy resources, reporting problems with their paths.</summary>
internal static class ResourceReader
{
    /// <summary>Reads a body that contains exactly one resource of <paramref name="kind"/>.</summary>
    public static ReadResource ReadSingle(string text, BodyFormat format, ResourceKind kind)
    {
        var documents = ToJsonDocuments(text, format, out var problem);
        if (problem is not null)
        {
            return new(null, kind, [problem.Value]);
        }

        if (documents.Count != 1)
        {
            return new(null, kind, [new("body", $"must contain exactly one resource, found {documents.Count}")]);
        }

        return Parse(documents[0], kind.Descriptor(), kind, "");
    }

    /// <summary>Reads a multi-document YAML text or a JSON array of resources, each naming its type with @type.</summary>
    public static List<ReadResource> ReadMany(string text, BodyFormat format, out FieldProblem? problem)
    {
        var documents = ToJsonDocuments(text, format, out problem);
        if (problem is null && format == BodyFormat.Json)
        {
            documents = SplitArray(documents[0], out problem);
        }

        if (problem is null && documents.Count == 0)
        {
            problem = new("body", "must contain at least one resource");
        }

        return problem is null ? documents.Select((json, i) => ParseTyped(json, FieldPaths.Index("resources", i))).ToList() : [];
    }

    private static List<string> ToJsonDocuments(string text, BodyFormat format, out FieldProblem? problem)
    {
        problem = null;
        if (format == BodyFormat.Json)
        {
            return [text];
        }

        try
        {
            return YamlToJson.ConvertDocuments(text).Where(json => json != "null").ToList();
        }
        catch (YamlException exception)
        {
            problem = new("body", $"is not valid YAML: {exception.Message}");
            return [];
        }
    }

    private static List<string> SplitArray(string json, out FieldProblem? problem)
    {
        problem = null;
        try
        {
            if (JsonNode.Parse(json) is JsonArray array)
            {
                return array.Select(item => item?.ToJsonString() ?? "null").ToList();
            }

            problem = new("body", "must be a JSON array of resources");
        }
        catch (JsonException exception)
        {
            problem = new("body", $"is not valid JSON: {exception.Message}");
        }

        return [];
    }

    private static ReadResource ParseTyped(string json, string path)
    {
        using var document = TryParseJson(json, path, out var problem);
        if (document is null)
        {
            return new(null, ResourceKind.Cluster, [problem!.Value]);
        }

        var typePath = FieldPaths.Join(path, "@type");
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("@type", out var typeUrl) || typeUrl.ValueKind != JsonValueKind.String)
        {
            return new(null, ResourceKind.Cluster, [new(typePath, "is required: name the resource type, for example type.googleapis.com/envoy.config.cluster.v3.Cluster")]);
        }

        if (ResourceKinds.FromTypeUrl(typeUrl.GetString()!) is not { } kind)
        {
            var known = string.Join(", ", Enum.GetValues<ResourceKind>().Select(k => k.TypeUrl()));
            return new(null, ResourceKind.Cluster, [new(typePath, $"is '{typeUrl.GetString()}'; use one of {known}")]);
        }

        var withoutType = JsonNode.Parse(json)!.AsObject();
        withoutType.Remove("@type");
        return Parse(withoutType.ToJsonString(), kind.Descriptor(), kind, path);
    }

    private static ReadResource Parse(string json, MessageDescriptor descriptor, ResourceKind kind, string path)
    {
        using var document = TryParseJson(json, path, out var problem);
        if (document is null)
        {
            return new(null, kind, [problem!.Value]);
        }

        var problems = new List<FieldProblem>();
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return new(null, kind, [new(path.Length == 0 ? "body" : path, $"must be a JSON object holding a {descriptor.FullName}")]);
        }

        JsonShapeChecker.CheckFields(document.RootElement, descriptor, path, problems, skipTypeField: false);
        if (problems.Count > 0)
        {
            return new(null, kind, problems);
        }

        try
        {
            return new(EnvoyJson.Parse(json, descriptor), kind, problems);
        }
        catch (Exception exception) when (exception is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            return new(null, kind, [new(path.Length == 0 ? "body" : path, $"does not fit {descriptor.FullName}: {exception.Message}")]);
        }
    }

    private static JsonDocument? TryParseJson(string json, string path, out FieldProblem? problem)
    {
        problem = null;
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException exception)
        {
            problem = new(path.Length == 0 ? "body" : path, $"is not valid JSON: {exception.Message}");
            return null;
        }
    }
}
