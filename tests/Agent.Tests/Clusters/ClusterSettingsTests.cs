using Agent.Clusters;
using Envoy.Config.Cluster.V3;
using static Agent.Tests.Support.TestResources;

namespace Agent.Tests.Clusters;

public sealed class ClusterSettingsTests
{
    [Fact]
    public void From_NoOptionalFields_UsesEnvoyDefaults()
    {
        var cluster = new Cluster { Name = "web", Type = Cluster.Types.DiscoveryType.Eds };
        var errors = new List<string>();

        var settings = ClusterSettings.From(cluster, errors);

        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromSeconds(5), settings!.ConnectTimeout);
        Assert.Equal(50.0, settings.PanicThresholdPercent);
        Assert.Equal(LoadBalancerKind.RoundRobin, settings.LoadBalancer);
        Assert.Equal("web", settings.EdsServiceName);
        Assert.Null(settings.Outlier);
    }

    [Fact]
    public void From_StrictDnsLocalhost_ResolvesToLoopback()
    {
        var cluster = new Cluster { Name = "dns", Type = Cluster.Types.DiscoveryType.StrictDns, LoadAssignment = Endpoints("dns", (8080, 0)) };
        cluster.LoadAssignment.Endpoints[0].LbEndpoints[0].Endpoint.Address.SocketAddress.Address = "localhost";
        var errors = new List<string>();

        var settings = ClusterSettings.From(cluster, errors);

        Assert.Empty(errors);
        Assert.NotEmpty(settings!.StaticEndpoints!.Endpoints);
        Assert.All(settings.StaticEndpoints.Endpoints, e => Assert.True(System.Net.IPAddress.IsLoopback(e.Address.Address)));
    }

    [Fact]
    public void From_SeveralProblems_ReportsEach()
    {
        var cluster = new Cluster
        {
            Name = "bad",
            Type = Cluster.Types.DiscoveryType.Static,
            LbPolicy = Cluster.Types.LbPolicy.Maglev,
            LoadAssignment = Endpoints("bad", (8080, 0)),
            OutlierDetection = new OutlierDetection { MaxEjectionPercent = 150 },
        };
        cluster.LoadAssignment.Endpoints[0].LbEndpoints[0].Endpoint.Address.SocketAddress.Address = "not-an-ip";
        var errors = new List<string>();

        var settings = ClusterSettings.From(cluster, errors);

        Assert.Null(settings);
        Assert.Contains(errors, e => e.Contains("lb_policy", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("max_ejection_percent: 150 is over 100", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'not-an-ip' is not an IP address", StringComparison.Ordinal));
        Assert.Equal(3, errors.Count);
    }
}
