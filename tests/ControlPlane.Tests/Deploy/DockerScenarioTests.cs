using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using Envoy.Extensions.Filters.Network.RedisProxy.V3;

namespace ControlPlane.Tests.Deploy;

public sealed class DockerScenarioTests
{
    [Fact]
    public void Load_DockerScenario_HoldsReferenceResources()
    {
        var scenario = DockerScenario.Load();

        Assert.Equal(["primary", "mirror", "web"], scenario.Clusters.Select(c => c.Name));
        Assert.Equal(["redis_listener", "http_listener"], scenario.Listeners.Select(l => l.Name));
        Assert.Equal(["http_routes"], scenario.Routes.Select(r => r.Name));
        Assert.Equal(6, scenario.Resources.Count);
    }

    [Fact]
    public void Load_DockerScenario_PrimaryHasTwoPriorities()
    {
        var primary = DockerScenario.Load().Clusters.Single(c => c.Name == "primary");

        Assert.Equal([0u, 1u], primary.LoadAssignment.Endpoints.Select(e => e.Priority));
        Assert.Equal("envoy.health_checkers.redis", primary.HealthChecks.Single().CustomHealthCheck.Name);
        Assert.True(primary.OutlierDetection.SplitExternalLocalOriginErrors);
    }

    [Fact]
    public void Load_RedisListener_MirrorsWrites()
    {
        var listener = DockerScenario.Load().Listeners.Single(l => l.Name == "redis_listener");
        var proxy = listener.FilterChains.Single().Filters.Single().TypedConfig.Unpack<RedisProxy>();

        Assert.Equal("primary", proxy.PrefixRoutes.CatchAllRoute.Cluster);
        Assert.Equal("mirror", proxy.PrefixRoutes.CatchAllRoute.RequestMirrorPolicy.Single().Cluster);
        Assert.True(proxy.PrefixRoutes.CatchAllRoute.RequestMirrorPolicy.Single().ExcludeReadCommands);
    }

    [Fact]
    public void Load_HttpListener_RdsOverAdsRouterLast()
    {
        var scenario = DockerScenario.Load();
        var listener = scenario.Listeners.Single(l => l.Name == "http_listener");
        var manager = listener.FilterChains.Single().Filters.Single().TypedConfig.Unpack<HttpConnectionManager>();
        var route = scenario.Routes.Single().VirtualHosts.Single().Routes.Single();

        Assert.Equal("http_routes", manager.Rds.RouteConfigName);
        Assert.NotNull(manager.Rds.ConfigSource.Ads);
        Assert.Equal("envoy.filters.http.router", manager.HttpFilters.Last().Name);
        Assert.Equal("web", route.Route_.Cluster);
    }
}
