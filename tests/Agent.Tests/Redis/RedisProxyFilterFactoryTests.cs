using Agent.Listeners;
using Agent.Redis;
using Agent.Stats;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RedisProxyProto = Envoy.Extensions.Filters.Network.RedisProxy.V3.RedisProxy;
using RouteProto = Envoy.Extensions.Filters.Network.RedisProxy.V3.RedisProxy.Types.PrefixRoutes.Types.Route;

namespace Agent.Tests.Redis;

public class RedisProxyFilterFactoryTests
{
    private static readonly NetworkFilterContext Context =
        new("redis_listener", new StaticClusterManager(), new StatsStore(), TimeProvider.System, NullLoggerFactory.Instance);

    private readonly RedisProxyFilterFactory _factory = new(Options.Create(new RedisProxyOptions()));

    [Fact]
    public void Create_EmptyConfig_RejectsNamingEveryProblem()
    {
        var exception = Assert.Throws<ConfigRejectedException>(() => _factory.Create(Any.Pack(new RedisProxyProto()), Context));

        Assert.Contains("listener redis_listener", exception.Message);
        Assert.Contains("stat_prefix: missing", exception.Message);
        Assert.Contains("settings: missing", exception.Message);
        Assert.Contains("prefix_routes: no route", exception.Message);
    }

    [Fact]
    public void Create_SettingsWithoutOpTimeout_Rejects()
    {
        var config = RedisProxyConfigs.CatchAll("primary");
        config.Settings.OpTimeout = null;

        var exception = Assert.Throws<ConfigRejectedException>(() => _factory.Create(Any.Pack(config), Context));

        Assert.Contains("settings.op_timeout: missing", exception.Message);
    }

    [Fact]
    public void Create_DuplicatePrefix_RejectsEach()
    {
        var config = RedisProxyConfigs.WithSettings();
        config.PrefixRoutes = new RedisProxyProto.Types.PrefixRoutes { CaseInsensitive = true };
        config.PrefixRoutes.Routes.Add(new RouteProto { Prefix = "user:", Cluster = "a" });
        config.PrefixRoutes.Routes.Add(new RouteProto { Prefix = "USER:", Cluster = "b" });
        config.PrefixRoutes.Routes.Add(new RouteProto { Prefix = "x:" });
        config.PrefixRoutes.Routes[0].RequestMirrorPolicy.Add(new RouteProto.Types.RequestMirrorPolicy());

        var exception = Assert.Throws<ConfigRejectedException>(() => _factory.Create(Any.Pack(config), Context));

        Assert.Contains("prefix_routes.routes[1].prefix: prefix `USER:` already exists", exception.Message);
        Assert.Contains("prefix_routes.routes[2].cluster: missing", exception.Message);
        Assert.Contains("prefix_routes.routes[0].request_mirror_policy[0].cluster: missing", exception.Message);
    }

    [Fact]
    public void Create_OtherTypeUrl_Rejects()
    {
        var exception = Assert.Throws<ConfigRejectedException>(() => _factory.Create(Any.Pack(new Duration()), Context));

        Assert.Contains("got type.googleapis.com/google.protobuf.Duration", exception.Message);
    }

    [Fact]
    public async Task AddRedisProxy_Resolved_FactoryForRedisProxy()
    {
        var services = new ServiceCollection().AddRedisProxy(options => options.MaxBulkStringBytes = 4096);
        await using var provider = services.BuildServiceProvider();

        var factory = Assert.Single(provider.GetServices<INetworkFilterFactory>());

        Assert.Equal("type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy", factory.TypeUrl);
        Assert.Equal(4096, provider.GetRequiredService<IOptions<RedisProxyOptions>>().Value.MaxBulkStringBytes);
        await using var filter = factory.Create(Any.Pack(RedisProxyConfigs.CatchAll("primary")), Context);
    }
}
