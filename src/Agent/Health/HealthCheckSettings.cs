using Envoy.Config.Core.V3;
using RedisHealthCheck = Envoy.Extensions.HealthCheckers.Redis.V3.Redis;

namespace Agent.Health;

internal enum HealthCheckKind
{
    Http,
    Tcp,
    Redis,
}

/// <summary>One validated entry of a cluster's health_checks.</summary>
internal sealed record HealthCheckSettings(
    HealthCheckKind Kind,
    TimeSpan Interval,
    TimeSpan Timeout,
    int UnhealthyThreshold,
    int HealthyThreshold,
    string HttpPath,
    string? HttpHost,
    IReadOnlyList<(long Start, long End)> ExpectedStatuses,
    byte[]? TcpSend,
    IReadOnlyList<byte[]> TcpReceive,
    string? RedisKey)
{
    public const string RedisCheckerName = "envoy.health_checkers.redis";

    /// <summary>Builds the settings, or adds every problem to <paramref name="errors"/> and returns null.</summary>
    public static HealthCheckSettings? From(HealthCheck proto, string field, List<string> errors)
    {
        var count = errors.Count;
        if (proto.Timeout is null || proto.Timeout.ToTimeSpan() <= TimeSpan.Zero)
        {
            errors.Add($"{field}.timeout: required and must be greater than 0");
        }

        if (proto.Interval is null || proto.Interval.ToTimeSpan() <= TimeSpan.Zero)
        {
            errors.Add($"{field}.interval: required and must be greater than 0");
        }

        if (proto.UnhealthyThreshold is null || proto.HealthyThreshold is null)
        {
            errors.Add($"{field}: unhealthy_threshold and healthy_threshold are required");
        }

        var settings = proto.HealthCheckerCase switch
        {
            HealthCheck.HealthCheckerOneofCase.HttpHealthCheck => FromHttp(proto),
            HealthCheck.HealthCheckerOneofCase.TcpHealthCheck => FromTcp(proto, field, errors),
            HealthCheck.HealthCheckerOneofCase.CustomHealthCheck => FromCustom(proto, field, errors),
            _ => Unsupported(proto, field, errors),
        };

        return errors.Count > count ? null : settings;
    }

    private static HealthCheckSettings Base(HealthCheck proto, HealthCheckKind kind) => new(
        kind,
        proto.Interval?.ToTimeSpan() ?? TimeSpan.FromSeconds(1),
        proto.Timeout?.ToTimeSpan() ?? TimeSpan.FromSeconds(1),
        (int)Math.Max(1, proto.UnhealthyThreshold ?? 1),
        (int)Math.Max(1, proto.HealthyThreshold ?? 1),
        "/",
        null,
        [(200, 300)],
        null,
        [],
        null);

    private static HealthCheckSettings FromHttp(HealthCheck proto)
    {
        var http = proto.HttpHealthCheck;
        var expected = http.ExpectedStatuses.Count == 0
            ? [(200L, 300L)]
            : http.ExpectedStatuses.Select(r => (r.Start, r.End)).ToList();
        return Base(proto, HealthCheckKind.Http) with
        {
            HttpPath = string.IsNullOrEmpty(http.Path) ? "/" : http.Path,
            HttpHost = string.IsNullOrEmpty(http.Host) ? null : http.Host,
            ExpectedStatuses = expected,
        };
    }

    private static HealthCheckSettings? FromTcp(HealthCheck proto, string field, List<string> errors)
    {
        var tcp = proto.TcpHealthCheck;
        var send = tcp.Send is null ? null : PayloadBytes(tcp.Send, $"{field}.tcp_health_check.send", errors);
        var receive = tcp.Receive.Select((p, i) => PayloadBytes(p, $"{field}.tcp_health_check.receive[{i}]", errors))
            .OfType<byte[]>().ToList();
        return Base(proto, HealthCheckKind.Tcp) with { TcpSend = send, TcpReceive = receive };
    }

    private static HealthCheckSettings? FromCustom(HealthCheck proto, string field, List<string> errors)
    {
        var custom = proto.CustomHealthCheck;
        if (custom.Name != RedisCheckerName)
        {
            errors.Add($"{field}.custom_health_check.name: '{custom.Name}' is not supported; only {RedisCheckerName}");
            return null;
        }

        string? key = null;
        if (custom.TypedConfig is not null && !custom.TypedConfig.TryUnpack(out RedisHealthCheck redis))
        {
            errors.Add($"{field}.custom_health_check.typed_config: expected {RedisHealthCheck.Descriptor.FullName}");
        }
        else if (custom.TypedConfig is not null)
        {
            custom.TypedConfig.TryUnpack(out redis);
            key = string.IsNullOrEmpty(redis.Key) ? null : redis.Key;
        }

        return Base(proto, HealthCheckKind.Redis) with { RedisKey = key };
    }

    private static HealthCheckSettings? Unsupported(HealthCheck proto, string field, List<string> errors)
    {
        errors.Add($"{field}: health checker '{proto.HealthCheckerCase}' is not supported; use http, tcp or {RedisCheckerName}");
        return null;
    }

    private static byte[]? PayloadBytes(HealthCheck.Types.Payload payload, string field, List<string> errors)
    {
        if (payload.PayloadCase == HealthCheck.Types.Payload.PayloadOneofCase.Binary)
        {
            return payload.Binary.ToByteArray();
        }

        try
        {
            return Convert.FromHexString(payload.Text);
        }
        catch (FormatException)
        {
            errors.Add($"{field}.text: '{payload.Text}' is not hex-encoded bytes");
            return null;
        }
    }
}
