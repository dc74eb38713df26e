using Agent.Tests.Support;
using Agent.Xds;
using Envoy.Config.Cluster.V3;
using Microsoft.Extensions.Time.Testing;
using Tests.Shared;
using static Agent.Tests.Support.TestResources;
using Types = Agent.Tests.Support.TestAdsServer.Types;

namespace Agent.Tests.Xds;

public sealed class AdsClientTests
{
    [Fact]
    public async Task Stream_Start_SubscribesWildcardCdsAndLdsWithNode()
    {
        await using var server = await TestAdsServer.StartAsync();
        await using var agent = await AgentRunner.StartAsync(server.Port);

        var cds = await server.WaitForRequestAsync(r => r.TypeUrl == Types.Cluster);
        var lds = await server.WaitForRequestAsync(r => r.TypeUrl == Types.Listener);

        Assert.Empty(cds.ResourceNames);
        Assert.Empty(lds.ResourceNames);
        Assert.Equal("agent-test", cds.Node.Id);
        Assert.Null(lds.Node);
    }

    [Fact]
    public async Task Clusters_EdsCluster_AcksAndSubscribesEdsByServiceName()
    {
        await using var server = await TestAdsServer.StartAsync();
        await using var agent = await AgentRunner.StartAsync(server.Port);

        server.PublishClusters("v1", EdsCluster("web", c => c.EdsClusterConfig.ServiceName = "web-endpoints"), EdsCluster("api"));
        await server.WaitForAckAsync(Types.Cluster, "v1");
        var eds = await server.WaitForRequestAsync(r => r.TypeUrl == Types.Endpoint && r.ResourceNames.Count == 2);

        Assert.Equal(["api", "web-endpoints"], eds.ResourceNames.Order());
        Assert.Null(agent.Clusters.GetCluster("web"));
    }

    [Fact]
    public async Task Clusters_OneRemoved_EdsSubscriptionShrinks()
    {
        await using var server = await TestAdsServer.StartAsync();
        await using var agent = await AgentRunner.StartAsync(server.Port);
        server.PublishClusters("v1", EdsCluster("web"), EdsCluster("api"));
        await server.WaitForRequestAsync(r => r.TypeUrl == Types.Endpoint && r.ResourceNames.Count == 2);

        server.PublishClusters("v2", EdsCluster("web"));
        await server.WaitForAckAsync(Types.Cluster, "v2");
        var eds = await server.WaitForRequestAsync(r => r.TypeUrl == Types.Endpoint && r.ResourceNames.Count == 1);

        Assert.Equal("web", Assert.Single(eds.ResourceNames));
        Assert.Equal(["web"], agent.Clusters.Clusters.Select(c => c.Name));
    }

    [Fact]
    public async Task Endpoints_Arrive_ClusterWarmsAndAcks()
    {
        await using var server = await TestAdsServer.StartAsync();
        await using var agent = await AgentRunner.StartAsync(server.Port);
        server.PublishClusters("v1", EdsCluster("web"));
        await server.WaitForRequestAsync(r => r.TypeUrl == Types.Endpoint && r.ResourceNames.Contains("web"));

        server.PublishEndpoints("e1", Endpoints("web", (9001, 0), (9002, 1)));
        await server.WaitForAckAsync(Types.Endpoint, "e1");

        var cluster = agent.Clusters.GetCluster("web");
        Assert.NotNull(cluster);
        Assert.Equal("127.0.0.1:9001", cluster.ChooseHost()!.AddressText);
    }

    [Fact]
    public async Task Clusters_InvalidUpdate_NacksWithReasonAndKeepsPrevious()
    {
        await using var server = await TestAdsServer.StartAsync();
        await using var agent = await AgentRunner.StartAsync(server.Port);
        server.PublishClusters("v1", EdsCluster("web"));
        await server.WaitForAckAsync(Types.Cluster, "v1");

        server.PublishClusters("v2", EdsCluster("web"), EdsCluster("bad", c => c.LbPolicy = Cluster.Types.LbPolicy.Maglev));
        var nack = await server.WaitForNackAsync(Types.Cluster);

        Assert.Equal("v1", nack.VersionInfo);
        Assert.Contains("cluster 'bad'.lb_policy", nack.ErrorDetail.Message);
        Assert.Equal(["web"], agent.Clusters.Clusters.Select(c => c.Name));
        Assert.Equal("v1", agent.Get<XdsStatus>().Types[Types.Cluster].Version);
    }

    [Fact]
    public async Task Listeners_UnknownNetworkFilter_NacksNamingTheFilter()
    {
        await using var server = await TestAdsServer.StartAsync();
        await using var agent = await AgentRunner.StartAsync(server.Port);
        var unknown = new Google.Protobuf.WellKnownTypes.Any { TypeUrl = "type.googleapis.com/example.Unknown" };

        server.PublishListeners("l1", WithFilter("mystery", LoopbackPorts.GetFree(), "example.unknown", unknown));
        var nack = await server.WaitForNackAsync(Types.Listener);

        Assert.Contains("unknown network filter 'example.unknown'", nack.ErrorDetail.Message);
        Assert.Empty(agent.Listeners.Listeners);
    }

    [Fact]
    public async Task Stream_ServerRestarts_ReconnectsAfterBackoffAndKeepsConfig()
    {
        var port = LoopbackPorts.GetFree();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = await TestAdsServer.StartAsync(port);
        await using var agent = await AgentRunner.StartAsync(port, time);
        var delays = new List<TimeSpan>();
        agent.Get<AdsClient>().ReconnectScheduled += d => { lock (delays) { delays.Add(d); } };
        server.PublishClusters("v1", EdsCluster("web"));
        await server.WaitForAckAsync(Types.Cluster, "v1");

        await server.StopAsync();
        await AgentRunner.WaitUntilAsync(() => { lock (delays) { return delays.Count == 1; } }, "the client schedules a reconnect");
        await using var restarted = await TestAdsServer.StartAsync(port);
        Assert.Equal(0, restarted.StreamCount);
        time.Advance(delays[0]);
        var resumed = await restarted.WaitForRequestAsync(r => r.TypeUrl == Types.Cluster);

        Assert.InRange(delays[0], TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500));
        Assert.Equal("v1", resumed.VersionInfo);
        Assert.Equal(["web"], agent.Clusters.Clusters.Select(c => c.Name));
    }
}
