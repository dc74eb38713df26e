using System.Net;
using System.Text.Json;
using ControlPlane.Snapshots;
using static ControlPlane.Tests.Xds.XdsTestSnapshots;

namespace ControlPlane.Tests.Xds;

public sealed class NodesEndpointsTests
{
    [Fact]
    public async Task GetNodes_ConnectedNode_ShowsTypeStatus()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 4, clusters: [EdsCluster("web")]);
        using var client = server.OpenAds("agent-1");
        await client.SubscribeAsync(TypeUrls.Cluster);
        var response = await client.ReadAsync();

        await client.AckAsync(TypeUrls.Cluster);

        var node = await server.WaitForNodeAsync("agent-1", n => n.GetProperty("types").GetProperty("cds").GetProperty("version_acked").GetString() == "4");
        var cds = node.GetProperty("types").GetProperty("cds");
        Assert.Equal("test-cluster", node.GetProperty("cluster").GetString());
        Assert.Equal(1, node.GetProperty("streams").GetInt32());
        Assert.Equal("4", cds.GetProperty("version_sent").GetString());
        Assert.Equal(response.Nonce, cds.GetProperty("nonce").GetString());
        Assert.Equal(JsonValueKind.Null, cds.GetProperty("last_nack").ValueKind);
        Assert.False(node.GetProperty("types").TryGetProperty("eds", out _));
    }

    [Fact]
    public async Task GetNodes_TwoStreamsOneNode_ListsNodeOnceWithBoth()
    {
        await using var server = await XdsTestServer.StartAsync();
        using var first = server.OpenAds("agent-1");
        using var second = server.OpenAds("agent-1");
        await first.SubscribeAsync(TypeUrls.Cluster);
        await first.ReadAsync();
        await second.SubscribeAsync(TypeUrls.Listener);
        await second.ReadAsync();

        var node = await server.WaitForNodeAsync("agent-1", n => n.GetProperty("streams").GetInt32() == 2);

        Assert.Single((await server.GetNodesAsync()).EnumerateArray());
        Assert.True(node.GetProperty("types").TryGetProperty("cds", out _));
        Assert.True(node.GetProperty("types").TryGetProperty("lds", out _));
    }

    [Fact]
    public async Task GetNodes_SameIdOtherCluster_ListsTwoNodes()
    {
        await using var server = await XdsTestServer.StartAsync();
        using var first = server.OpenAds("agent-1", nodeCluster: "blue");
        using var second = server.OpenAds("agent-1", nodeCluster: "green");
        await first.SubscribeAsync(TypeUrls.Cluster);
        await first.ReadAsync();
        await second.SubscribeAsync(TypeUrls.Cluster);
        await second.ReadAsync();

        var nodes = await server.GetNodesAsync();

        var clusters = nodes.EnumerateArray().Select(n => n.GetProperty("cluster").GetString()).ToList();
        Assert.Equal(["blue", "green"], clusters);
        Assert.All(nodes.EnumerateArray(), n => Assert.Equal("agent-1", n.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task GetNodes_AfterDisconnect_NodeGone()
    {
        await using var server = await XdsTestServer.StartAsync();
        using (var client = server.OpenAds("agent-1"))
        {
            await client.SubscribeAsync(TypeUrls.Cluster);
            await client.ReadAsync();
            await server.WaitForNodeAsync("agent-1", _ => true);
            await client.CompleteAsync();
        }

        using var timeout = new CancellationTokenSource(XdsTestClient.Timeout);
        while ((await server.GetNodesAsync()).GetArrayLength() > 0)
        {
            await Task.Delay(20, timeout.Token);
        }

        Assert.Equal(0, server.Cache.WatcherCount);
    }

    [Fact]
    public async Task GetNodes_XdsPort_NotServed()
    {
        await using var server = await XdsTestServer.StartAsync();
        using var http2 = new HttpClient(new SocketsHttpHandler())
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await http2.GetAsync($"http://127.0.0.1:{server.Server.XdsPort}/api/v1/nodes").WaitAsync(XdsTestClient.Timeout);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
