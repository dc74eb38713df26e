using Agent.Listeners;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Agent.Redis;

public static class RedisProxyServiceCollectionExtensions
{
    /// <summary>
    /// Registers the envoy.filters.network.redis_proxy factory and its <see cref="RedisProxyOptions"/>,
    /// read from the <c>Agent:RedisProxy</c> configuration section when an <see cref="IConfiguration"/> is registered.
    /// </summary>
    public static IServiceCollection AddRedisProxy(this IServiceCollection services, Action<RedisProxyOptions>? configure = null)
    {
        var builder = services.AddOptions<RedisProxyOptions>()
            .Configure<IServiceProvider>((options, provider) =>
                provider.GetService<IConfiguration>()?.GetSection(RedisProxyOptions.SectionName).Bind(options));
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.Validate(options => options.MaxBulkStringBytes is > 0 and <= int.MaxValue - 64, "Agent:RedisProxy:MaxBulkStringBytes must be between 1 and 2147483583");
        builder.Validate(options => options.MaxArrayElements > 0, "Agent:RedisProxy:MaxArrayElements must be positive");
        builder.Validate(options => options.MaxRequestBytes > 0, "Agent:RedisProxy:MaxRequestBytes must be positive");
        builder.Validate(options => options.MaxPendingRequestsPerConnection > 0, "Agent:RedisProxy:MaxPendingRequestsPerConnection must be positive");
        builder.Validate(options => options.MirrorQueueCapacity > 0, "Agent:RedisProxy:MirrorQueueCapacity must be positive");
        services.TryAddEnumerable(ServiceDescriptor.Singleton<INetworkFilterFactory, RedisProxyFilterFactory>());
        return services;
    }
}
