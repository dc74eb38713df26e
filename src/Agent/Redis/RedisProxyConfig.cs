using System.Text;
using Agent.Redis.Routing;
using Envoy.Type.V3;
using RedisProxyProto = Envoy.Extensions.Filters.Network.RedisProxy.V3.RedisProxy;
using RouteProto = Envoy.Extensions.Filters.Network.RedisProxy.V3.RedisProxy.Types.PrefixRoutes.Types.Route;

namespace Agent.Redis;

/// <summary>A validated RedisProxy resource: what one listener's filter serves.</summary>
internal sealed record RedisProxyConfig(string StatPrefix, TimeSpan OpTimeout, bool EnableHashtagging, PrefixRouter Router)
{
    /// <summary>Validates <paramref name="proto"/> and returns the model, or every problem found.</summary>
    public static (RedisProxyConfig? Config, IReadOnlyList<string> Errors) Build(RedisProxyProto proto)
    {
        var errors = new List<string>();
        if (string.IsNullOrEmpty(proto.StatPrefix))
        {
            errors.Add("stat_prefix: missing, it must be a non-empty string");
        }

        var opTimeout = ReadOpTimeout(proto, errors);
        var routes = proto.PrefixRoutes;
        if (routes is null || (routes.Routes.Count == 0 && routes.CatchAllRoute is null))
        {
            errors.Add("prefix_routes: no route, set prefix_routes.routes or prefix_routes.catch_all_route");
        }

        var prefixRoutes = new List<RedisRoute>();
        var seenPrefixes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (routes?.Routes.Count ?? 0); i++)
        {
            var route = BuildRoute(routes!.Routes[i], $"prefix_routes.routes[{i}]", errors);
            var normalized = routes.CaseInsensitive ? route.PrefixText.ToLowerInvariant() : route.PrefixText;
            if (!seenPrefixes.Add(normalized))
            {
                errors.Add($"prefix_routes.routes[{i}].prefix: prefix `{route.PrefixText}` already exists");
            }

            prefixRoutes.Add(route);
        }

        var catchAll = routes?.CatchAllRoute is null ? null : BuildRoute(routes.CatchAllRoute, "prefix_routes.catch_all_route", errors);
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var router = new PrefixRouter(prefixRoutes, catchAll is null ? null : catchAll with { Prefix = [] }, routes!.CaseInsensitive);
        return (new RedisProxyConfig(proto.StatPrefix, opTimeout, proto.Settings.EnableHashtagging, router), errors);
    }

    private static TimeSpan ReadOpTimeout(RedisProxyProto proto, List<string> errors)
    {
        if (proto.Settings is null)
        {
            errors.Add("settings: missing, settings.op_timeout is required");
            return TimeSpan.Zero;
        }

        if (proto.Settings.OpTimeout is null)
        {
            errors.Add("settings.op_timeout: missing, it is required");
            return TimeSpan.Zero;
        }

        var timeout = proto.Settings.OpTimeout.ToTimeSpan();
        if (timeout <= TimeSpan.Zero)
        {
            errors.Add($"settings.op_timeout: must be positive, got {timeout.TotalMilliseconds} ms");
        }

        return timeout;
    }

    private static RedisRoute BuildRoute(RouteProto route, string path, List<string> errors)
    {
        if (string.IsNullOrEmpty(route.Cluster))
        {
            errors.Add($"{path}.cluster: missing, it must name a cluster");
        }

        var prefix = Encoding.UTF8.GetBytes(route.Prefix);
        if (prefix.Length > 1000)
        {
            errors.Add($"{path}.prefix: longer than 1000 bytes");
        }

        var mirrors = new List<MirrorPolicy>();
        for (var i = 0; i < route.RequestMirrorPolicy.Count; i++)
        {
            mirrors.Add(BuildMirror(route.RequestMirrorPolicy[i], $"{path}.request_mirror_policy[{i}]", errors));
        }

        return new RedisRoute(prefix, route.RemovePrefix, route.Cluster, mirrors);
    }

    private static MirrorPolicy BuildMirror(RouteProto.Types.RequestMirrorPolicy mirror, string path, List<string> errors)
    {
        if (string.IsNullOrEmpty(mirror.Cluster))
        {
            errors.Add($"{path}.cluster: missing, it must name a cluster");
        }

        var fraction = mirror.RuntimeFraction?.DefaultValue;
        if (mirror.RuntimeFraction is null)
        {
            return new MirrorPolicy(mirror.Cluster, mirror.ExcludeReadCommands, 1, 1);
        }

        // TODO(redis): runtime_fraction.runtime_key is ignored because the agent has no runtime layer; default_value applies.
        var denominator = fraction?.Denominator switch
        {
            FractionalPercent.Types.DenominatorType.TenThousand => 10_000u,
            FractionalPercent.Types.DenominatorType.Million => 1_000_000u,
            _ => 100u,
        };
        return new MirrorPolicy(mirror.Cluster, mirror.ExcludeReadCommands, fraction?.Numerator ?? 0, denominator);
    }
}
