using ControlPlane.Validation.Pgv;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using Google.Protobuf.WellKnownTypes;

namespace ControlPlane.Tests.Validation;

public sealed class PgvValidatorTests
{
    [Fact]
    public void Validate_HeaderNameWithNewline_ReportsHeaderRule()
    {
        var routes = RouteWith(new RouteMatch { Prefix = "/", Headers = { new HeaderMatcher { Name = "bad\nname", PresentMatch = true } } });

        var problems = PgvValidator.Validate(routes);

        var problem = Assert.Single(problems);
        Assert.Equal("virtual_hosts[0].routes[0].match.headers[0].name", problem.Path);
        Assert.Equal("must be a valid HTTP header name", problem.Message);
    }

    [Fact]
    public void Validate_RouteWithoutAction_ReportsRequiredOneof()
    {
        var routes = RouteWith(new RouteMatch { Prefix = "/" }, withAction: false);

        var problem = Assert.Single(PgvValidator.Validate(routes));

        Assert.Equal("virtual_hosts[0].routes[0].action", problem.Path);
        Assert.StartsWith("is required", problem.Message);
    }

    [Fact]
    public void Validate_UndefinedEnumAndWrapperOver100_ReportsBoth()
    {
        var cluster = new Cluster
        {
            Name = "c",
            LbPolicy = (Cluster.Types.LbPolicy)99,
            OutlierDetection = new OutlierDetection { EnforcingConsecutive5Xx = 101 },
        };

        var problems = PgvValidator.Validate(cluster).ToDictionary(p => p.Path, p => p.Message);

        Assert.Equal("must be a defined LbPolicy value, not 99", problems["lb_policy"]);
        Assert.Equal("must be less than or equal to 100", problems["outlier_detection.enforcing_consecutive_5xx"]);
    }

    [Fact]
    public void Validate_EmptyWeightedClusters_ReportsMinItems()
    {
        var routes = RouteWith(new RouteMatch { Prefix = "/" });
        routes.VirtualHosts[0].Routes[0].Route_ = new RouteAction { WeightedClusters = new WeightedCluster() };

        var problem = Assert.Single(PgvValidator.Validate(routes));

        Assert.Equal("virtual_hosts[0].routes[0].route.weighted_clusters.clusters", problem.Path);
        Assert.Equal("must contain at least 1 items", problem.Message);
    }

    [Fact]
    public void Validate_TypedConfigInsideAny_ReportsPathThroughAny()
    {
        var manager = new HttpConnectionManager { Rds = new Rds { RouteConfigName = "r" } };
        var listener = new Listener
        {
            Name = "l",
            FilterChains = { new FilterChain { Filters = { new Envoy.Config.Listener.V3.Filter { Name = "hcm", TypedConfig = Any.Pack(manager) } } } },
        };

        var problems = PgvValidator.Validate(listener).Select(p => p.Path).ToList();

        Assert.Contains("filter_chains[0].filters[0].typed_config.stat_prefix", problems);
        Assert.Contains("filter_chains[0].filters[0].typed_config.rds.config_source", problems);
    }

    [Fact]
    public void Validate_ValidCluster_ReportsNothing()
    {
        var cluster = new Cluster { Name = "c", ConnectTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) };

        Assert.Empty(PgvValidator.Validate(cluster));
    }

    private static RouteConfiguration RouteWith(RouteMatch match, bool withAction = true)
    {
        var route = new Route { Match = match };
        if (withAction)
        {
            route.Route_ = new RouteAction { Cluster = "web" };
        }

        return new RouteConfiguration
        {
            Name = "r",
            VirtualHosts = { new VirtualHost { Name = "v", Domains = { "*" }, Routes = { route } } },
        };
    }
}
