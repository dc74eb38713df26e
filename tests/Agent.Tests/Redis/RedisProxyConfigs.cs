using Envoy.Config.Core.V3;
using Envoy.Type.V3;
using Google.Protobuf.WellKnownTypes;
using RedisProxyProto = Envoy.Extensions.Filters.Network.RedisProxy.V3.RedisProxy;
using RouteProto = Envoy.Extensions.Filters.Network.RedisProxy.V3.RedisProxy.Types.PrefixRoutes.Types.Route;

namespace Agent.Tests.Redis;

/// <summary>RedisProxy resources as an operator would write them, for the tests.</summary>
internal static class RedisProxyConfigs
{
    public static RedisProxyProto CatchAll(string cluster, TimeSpan? opTimeout = null, params RouteProto.Types.RequestMirrorPolicy[] mirrors)
    {
        var config = WithSettings(opTimeout);
        var route = new RouteProto { Cluster = cluster };
        route.RequestMirrorPolicy.AddRange(mirrors);
        config.PrefixRoutes = new RedisProxyProto.Types.PrefixRoutes { CatchAllRoute = route };
        return config;
    }

    public static RedisProxyProto WithSettings(TimeSpan? opTimeout = null) => new()
    {
        StatPrefix = "redis",
        Settings = new RedisProxyProto.Types.ConnPoolSettings { OpTimeout = Duration.FromTimeSpan(opTimeout ?? TimeSpan.FromSeconds(5)) },
    };

    public static RouteProto.Types.RequestMirrorPolicy Mirror(string cluster, bool excludeReadCommands, uint? percent = null)
    {
        var mirror = new RouteProto.Types.RequestMirrorPolicy { Cluster = cluster, ExcludeReadCommands = excludeReadCommands };
        if (percent is { } value)
        {
            mirror.RuntimeFraction = new RuntimeFractionalPercent
            {
                RuntimeKey = "redis.mirror",
                DefaultValue = new FractionalPercent { Numerator = value, Denominator = FractionalPercent.Types.DenominatorType.Hundred },
            };
        }

        return mirror;
    }
}
