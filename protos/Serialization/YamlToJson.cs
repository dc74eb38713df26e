using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Envoy.Api.Serialization;

/// <summary>
/// Converts YAML documents to JSON text that the protobuf JSON parser accepts. Plain scalars are
/// typed by the YAML 1.2 core schema (null, booleans, integers, floats); quoted scalars stay strings.
/// </summary>
public static partial class YamlToJson
{
    /// <summary>Converts every document of a (possibly multi-document) YAML text to one JSON text each.</summary>
    /// <exception cref="YamlException">The text is not valid YAML; the message names the line and column.</exception>
    public static IReadOnlyList<string> ConvertDocuments(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));

        var documents = new List<string>(stream.Documents.Count);
        foreach (var document in stream.Documents)
        {
            documents.Add(ConvertNode(document.RootNode));
        }

        return documents;
    }

    /// <summary>Converts a YAML text that must hold exactly one document.</summary>
    /// <exception cref="YamlException">The text is not valid YAML, or holds no document or more than one.</exception>
    public static string ConvertSingleDocument(string yaml)
    {
        var documents = ConvertDocuments(yaml);
        if (documents.Count != 1)
        {
            throw new YamlException($"expected exactly one YAML document, found {documents.Count}");
        }

        return documents[0];
    }

    private static string ConvertNode(YamlNode root)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, root);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                foreach (var (key, value) in mapping.Children)
                {
                    writer.WritePropertyName(((YamlScalarNode)key).Value ?? "");
                    Write(writer, value);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                WriteScalar(writer, scalar);
                break;
            default:
                throw new YamlException(node.Start, node.End, $"unsupported YAML node {node.NodeType}");
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
        {
            writer.WriteStringValue(text);
            return;
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            writer.WriteNullValue();
        }
        else if (text is "true" or "True" or "TRUE")
        {
            writer.WriteBooleanValue(true);
        }
        else if (text is "false" or "False" or "FALSE")
        {
            writer.WriteBooleanValue(false);
        }
        else if (IntegerPattern().IsMatch(text) || FloatPattern().IsMatch(text))
        {
            // Written verbatim so that 64-bit integers keep every digit.
            writer.WriteRawValue(NormalizeNumber(text));
        }
        else
        {
            writer.WriteStringValue(text);
        }
    }

    private static string NormalizeNumber(string text)
    {
        var unsigned = text.TrimStart('+');
        if (unsigned.StartsWith('.') || unsigned.StartsWith("-.", StringComparison.Ordinal))
        {
            return double.Parse(unsigned, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture);
        }

        return unsigned;
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
