using System.Text;

namespace Agent.Redis.Protocol;

internal enum RespType
{
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,
    Null,
}

/// <summary>
/// One RESP2 reply value. <see cref="IsProxyFailure"/> marks an error the proxy made up itself
/// (no host, connect failure, timeout) rather than one an upstream sent, so command stats can
/// count it as an error the way Envoy does.
/// </summary>
internal sealed class RespValue
{
    public static readonly RespValue Ok = Simple("OK");
    public static readonly RespValue Pong = Simple("PONG");
    public static readonly RespValue Null = new(RespType.Null);

    private RespValue(RespType type) => Type = type;

    public RespType Type { get; }

    /// <summary>Text of a simple string or an error.</summary>
    public string? Text { get; private init; }

    /// <summary>Payload of a bulk string.</summary>
    public byte[]? Bytes { get; private init; }

    public long Integer { get; private init; }

    public RespValue[]? Items { get; private init; }

    public bool IsProxyFailure { get; private init; }

    public static RespValue Simple(string text) => new(RespType.SimpleString) { Text = text };

    public static RespValue Error(string text) => new(RespType.Error) { Text = text };

    public static RespValue ProxyError(string text) => new(RespType.Error) { Text = text, IsProxyFailure = true };

    public static RespValue FromInteger(long value) => new(RespType.Integer) { Integer = value };

    public static RespValue Bulk(byte[] bytes) => new(RespType.BulkString) { Bytes = bytes };

    public static RespValue Array(RespValue[] items) => new(RespType.Array) { Items = items };

    public override string ToString() => Type switch
    {
        RespType.SimpleString => Text!,
        RespType.Error => "-" + Text,
        RespType.Integer => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        RespType.BulkString => Encoding.UTF8.GetString(Bytes!),
        RespType.Array => "[" + string.Join(", ", Items!.Select(item => item.ToString())) + "]",
        _ => "(nil)",
    };
}

/// <summary>The error texts Envoy's redis_proxy sends to clients, so clients see the same strings.</summary>
internal static class ProxyErrors
{
    public const string InvalidRequest = "invalid request";
    public const string NoUpstreamHost = "no upstream host";
    public const string UpstreamFailure = "upstream failure";
    public const string UpstreamProtocolError = "upstream protocol error";
    public const string DownstreamProtocolError = "downstream protocol error";
    public const string AuthNotConfigured = "ERR Client sent AUTH, but no password is set";

    public static string UnsupportedCommand(string command) => $"unsupported command '{command}'";

    public static string WrongNumberOfArguments(string command) => $"wrong number of arguments for '{command}' command";

    public static string FinishedWithErrors(int count) => $"finished with {count} error(s)";
}
