using System.Text.Json;
using ControlPlane.Validation;
using Envoy.Api.Serialization;
using Google.Protobuf.Reflection;

namespace ControlPlane.Api;

/// <summary>
/// Finds every unknown field, unknown <c>@type</c> and unknown enum name in a proto3 JSON document
/// before the protobuf parser runs, so that each gets its field path. The parser stops at the first
/// problem and names no path.
/// </summary>
internal static class JsonShapeChecker
{
    public static void Check(JsonElement element, MessageDescriptor descriptor, string path, List<FieldProblem> problems)
    {
        if (element.ValueKind != JsonValueKind.Object || HasCustomJson(descriptor))
        {
            // Not an object, or a well-known type with its own JSON form: the parser judges it.
            return;
        }

        if (descriptor.FullName == "google.protobuf.Any")
        {
            CheckAny(element, path, problems);
            return;
        }

        CheckFields(element, descriptor, path, problems, skipTypeField: false);
    }

    /// <summary>Checks the fields of an object; <paramref name="skipTypeField"/> ignores its <c>@type</c>.</summary>
    public static void CheckFields(
        JsonElement element, MessageDescriptor descriptor, string path, List<FieldProblem> problems, bool skipTypeField)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (skipTypeField && property.Name == "@type")
            {
                continue;
            }

            var field = descriptor.FindFieldByName(property.Name)
                ?? descriptor.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == property.Name);
            var fieldPath = FieldPaths.Join(path, field?.Name ?? property.Name);
            if (field is null)
            {
                problems.Add(new(fieldPath, $"is not a field of {descriptor.FullName}"));
                continue;
            }

            CheckValue(field, property.Value, fieldPath, problems);
        }
    }

    private static void CheckValue(FieldDescriptor field, JsonElement value, string path, List<FieldProblem> problems)
    {
        if (field.IsMap && value.ValueKind == JsonValueKind.Object)
        {
            var valueField = field.MessageType.FindFieldByNumber(2);
            foreach (var entry in value.EnumerateObject())
            {
                CheckSingle(valueField, entry.Value, FieldPaths.Key(path, entry.Name), problems);
            }
        }
        else if (field.IsRepeated && value.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                CheckSingle(field, item, FieldPaths.Index(path, index++), problems);
            }
        }
        else
        {
            CheckSingle(field, value, path, problems);
        }
    }

    private static void CheckSingle(FieldDescriptor field, JsonElement value, string path, List<FieldProblem> problems)
    {
        if (field.FieldType == FieldType.Message)
        {
            Check(value, field.MessageType, path, problems);
        }
        else if (field.FieldType == FieldType.Enum && value.ValueKind == JsonValueKind.String
            && field.EnumType.FindValueByName(value.GetString()!) is null)
        {
            var names = string.Join(", ", field.EnumType.Values.Select(v => v.Name));
            problems.Add(new(path, $"is '{value.GetString()}', which is not a {field.EnumType.Name} value; use one of {names}"));
        }
    }

    private static void CheckAny(JsonElement element, string path, List<FieldProblem> problems)
    {
        if (!element.TryGetProperty("@type", out var typeUrl) || typeUrl.ValueKind != JsonValueKind.String)
        {
            problems.Add(new(FieldPaths.Join(path, "@type"), "is required: name the type of the embedded message"));
            return;
        }

        var url = typeUrl.GetString()!;
        var descriptor = EnvoyTypeRegistry.Find(url[(url.LastIndexOf('/') + 1)..]);
        if (descriptor is null)
        {
            problems.Add(new(FieldPaths.Join(path, "@type"), $"names the unknown type '{url}'"));
        }
        else if (!HasCustomJson(descriptor))
        {
            CheckFields(element, descriptor, path, problems, skipTypeField: true);
        }
    }

    private static bool HasCustomJson(MessageDescriptor descriptor) =>
        descriptor.File.Package == "google.protobuf" && descriptor.FullName != "google.protobuf.Any";
}
