using Agent.Listeners;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using RedisProxyProto = Envoy.Extensions.Filters.Network.RedisProxy.V3.RedisProxy;

namespace Agent.Redis;

/// <summary>Builds <see cref="RedisProxyFilter"/>s from envoy.filters.network.redis_proxy typed configs.</summary>
internal sealed class RedisProxyFilterFactory(IOptions<RedisProxyOptions> options) : INetworkFilterFactory
{
    public const string RedisProxyTypeUrl = "type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy";

    public string TypeUrl => RedisProxyTypeUrl;

    public INetworkFilter Create(Any typedConfig, NetworkFilterContext context)
    {
        var proto = Unpack(typedConfig, context.ListenerName);
        var (config, errors) = RedisProxyConfig.Build(proto);
        if (config is null)
        {
            throw new ConfigRejectedException($"listener {context.ListenerName}: invalid redis_proxy config: {string.Join("; ", errors)}");
        }

        var routeCount = config.Router.AllRoutes.Count();
        context.LoggerFactory.CreateLogger("Agent.Redis").FilterCreated(context.ListenerName, config.StatPrefix, config.OpTimeout, routeCount);
        return new RedisProxyFilter(config, context, options.Value);
    }

    private static RedisProxyProto Unpack(Any typedConfig, string listener)
    {
        if (!typedConfig.Is(RedisProxyProto.Descriptor))
        {
            throw new ConfigRejectedException($"listener {listener}: redis_proxy expects typed_config {RedisProxyTypeUrl}, got {typedConfig.TypeUrl}");
        }

        try
        {
            return typedConfig.Unpack<RedisProxyProto>();
        }
        catch (InvalidProtocolBufferException exception)
        {
            throw new ConfigRejectedException($"listener {listener}: redis_proxy typed_config cannot be decoded: {exception.Message}");
        }
    }
}
