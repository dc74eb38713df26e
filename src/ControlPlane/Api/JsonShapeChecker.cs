using System.Text.Json;
using ControlPlane.Validation;
using Envoy.Api.Serialization;
using Google.Protobuf.Reflection;

namespace ControlPlane.Api;

/// <summary>
/// Finds every unknown field, unknown <c>@type</c>, unknown enum name and value of the wrong JSON
/// kind in a proto3 JSON document before the protobuf parser runs, so that each gets its field
/// path. The parser stops at the first problem and names no path.
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
        if (value.ValueKind == JsonValueKind.Null)
        {
            // proto3 JSON reads null as the field's default value.
            return;
        }

        if (field.IsMap && value.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new(path, $"must be a JSON object (a map), not {Describe(value)}"));
        }
        else if (field.IsRepeated && !field.IsMap && value.ValueKind != JsonValueKind.Array)
        {
            problems.Add(new(path, $"must be a JSON array, not {Describe(value)}"));
        }
        else if (field.IsMap)
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
        if (value.ValueKind != JsonValueKind.Null && ExpectedKind(field) is { } expected && !expected.Accepts(value))
        {
            problems.Add(new(path, $"must be {expected.Description}, not {Describe(value)}"));
            return;
        }

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

    /// <summary>
    /// The JSON kinds proto3 JSON allows for a field, as Google.Protobuf's parser reads them: 64-bit
    /// and other numbers may also be strings. Null when the field takes any kind (a well-known type
    /// with its own JSON form).
    /// </summary>
    private static JsonKinds? ExpectedKind(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.String => new("a string", JsonValueKind.String),
        FieldType.Bytes => new("a base64 string", JsonValueKind.String),
        FieldType.Bool => new("true or false", JsonValueKind.True, JsonValueKind.False),
        FieldType.Enum => new("an enum name or number", JsonValueKind.String, JsonValueKind.Number),
        FieldType.Message => ExpectedMessageKind(field.MessageType),
        _ => new("a number", JsonValueKind.Number, JsonValueKind.String),
    };

    private static JsonKinds? ExpectedMessageKind(MessageDescriptor message) => message.FullName switch
    {
        "google.protobuf.Duration" => new("a duration string such as \"1.5s\"", JsonValueKind.String),
        "google.protobuf.Timestamp" or "google.protobuf.FieldMask" => new("a string", JsonValueKind.String),
        "google.protobuf.BoolValue" => new("true or false", JsonValueKind.True, JsonValueKind.False),
        "google.protobuf.StringValue" or "google.protobuf.BytesValue" => new("a string", JsonValueKind.String),
        "google.protobuf.UInt32Value" or "google.protobuf.UInt64Value" or "google.protobuf.Int32Value"
            or "google.protobuf.Int64Value" or "google.protobuf.FloatValue" or "google.protobuf.DoubleValue" =>
            new("a number", JsonValueKind.Number, JsonValueKind.String),
        _ when HasCustomJson(message) => null,
        _ => new("a JSON object", JsonValueKind.Object),
    };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{Shorten(value.GetString()!)}\"",
        _ => value.GetRawText(),
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    private sealed record JsonKinds(string Description, params JsonValueKind[] Kinds)
    {
        public bool Accepts(JsonElement value) => Kinds.Contains(value.ValueKind);
    }

    private static bool HasCustomJson(MessageDescriptor descriptor) =>
        descriptor.File.Package == "google.protobuf" && descriptor.FullName != "google.protobuf.Any";
}
