using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Envoy.Api.Serialization;

/// <summary>
/// Parses and formats Envoy resources as proto3 JSON, with every <c>Any</c> resolved through
/// <see cref="EnvoyTypeRegistry"/>. Field names may be snake_case or lowerCamelCase; unknown fields
/// are rejected, as Envoy rejects them.
/// </summary>
public static class EnvoyJson
{
    private static readonly Lazy<JsonParser> LazyParser = new(() =>
        new JsonParser(JsonParser.Settings.Default.WithTypeRegistry(EnvoyTypeRegistry.Instance)));

    private static readonly Lazy<JsonFormatter> LazyFormatter = new(() =>
        new JsonFormatter(JsonFormatter.Settings.Default
            .WithTypeRegistry(EnvoyTypeRegistry.Instance)
            .WithPreserveProtoFieldNames(true)));

    public static JsonParser Parser => LazyParser.Value;

    public static JsonFormatter Formatter => LazyFormatter.Value;

    /// <exception cref="InvalidProtocolBufferException">The JSON does not fit the message.</exception>
    /// <exception cref="InvalidJsonException">The text is not JSON.</exception>
    public static T Parse<T>(string json) where T : IMessage, new() => Parser.Parse<T>(json);

    /// <exception cref="InvalidProtocolBufferException">The JSON does not fit the message.</exception>
    /// <exception cref="InvalidJsonException">The text is not JSON.</exception>
    public static IMessage Parse(string json, MessageDescriptor descriptor) => Parser.Parse(json, descriptor);

    /// <summary>Parses a YAML document into a message, as Envoy reads a YAML bootstrap.</summary>
    /// <exception cref="YamlDotNet.Core.YamlException">The text is not a single YAML document.</exception>
    /// <exception cref="InvalidProtocolBufferException">The document does not fit the message.</exception>
    public static T ParseYaml<T>(string yaml) where T : IMessage, new() => Parse<T>(YamlToJson.ConvertSingleDocument(yaml));

    /// <summary>Formats a message with its proto field names (snake_case), as Envoy's config dump shows them.</summary>
    public static string Format(IMessage message) => Formatter.Format(message);
}
