using System.Net;
using System.Net.Sockets;
using System.Text;
using Agent.Tests.Support;
using Tests.Shared;
using static Agent.Tests.Support.TestResources;
using Types = Agent.Tests.Support.TestAdsServer.Types;

namespace Agent.Tests.Listeners;

public sealed class TcpProxyTests
{
    [Fact]
    public async Task Connection_ThroughTcpProxy_EchoesBytesBothWays()
    {
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        var echoPort = ((IPEndPoint)echo.LocalEndpoint).Port;
        var echoTask = EchoOnceAsync(echo);
        await using var server = await TestAdsServer.StartAsync();
        await using var agent = await AgentRunner.StartAsync(server.Port);
        var listenerPort = LoopbackPorts.GetFree();
        server.PublishClusters("c1", EdsCluster("echo"));
        server.PublishEndpoints("e1", Endpoints("echo", (echoPort, 0)));
        server.PublishListeners("l1", TcpListener("tcp_listener", listenerPort, "echo"));
        await server.WaitForAckAsync(Types.Listener, "l1");
        await AgentRunner.WaitUntilAsync(() => agent.Clusters.AllWarm, "the cluster is warm");

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, listenerPort).WaitAsync(TimeSpan.FromSeconds(10));
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("hello agent"));
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("hello agent", Encoding.ASCII.GetString(buffer, 0, read));
        var stats = agent.Get<Agent.Stats.StatsStore>();
        Assert.Equal(1, stats.Counter("cluster.echo.upstream_cx_total").Value);
        Assert.Equal(1, stats.Counter($"listener.127.0.0.1_{listenerPort}.downstream_cx_total").Value);
        client.Close();
        await echoTask.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Connection_UpstreamRefuses_CountsConnectFailureOnHost()
    {
        var deadPort = LoopbackPorts.GetFree();
        await using var server = await TestAdsServer.StartAsync();
        await using var agent = await AgentRunner.StartAsync(server.Port);
        var listenerPort = LoopbackPorts.GetFree();
        server.PublishClusters("c1", EdsCluster("dead"));
        server.PublishEndpoints("e1", Endpoints("dead", (deadPort, 0)));
        server.PublishListeners("l1", TcpListener("tcp_listener", listenerPort, "dead"));
        await server.WaitForAckAsync(Types.Listener, "l1");
        await AgentRunner.WaitUntilAsync(() => agent.Clusters.AllWarm, "the cluster is warm");

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, listenerPort).WaitAsync(TimeSpan.FromSeconds(10));
        var read = await client.GetStream().ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, read);
        Assert.Equal(1, agent.Get<Agent.Stats.StatsStore>().Counter("cluster.dead.upstream_cx_connect_fail").Value);
    }

    [Fact]
    public async Task Listener_ReplacedOnSameAddress_KeepsEstablishedConnection()
    {
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        var echoPort = ((IPEndPoint)echo.LocalEndpoint).Port;
        var echoTasks = new[] { EchoOnceAsync(echo), EchoOnceAsync(echo) };
        await using var server = await TestAdsServer.StartAsync();
        await using var agent = await AgentRunner.StartAsync(server.Port);
        var listenerPort = LoopbackPorts.GetFree();
        server.PublishClusters("c1", EdsCluster("echo"));
        server.PublishEndpoints("e1", Endpoints("echo", (echoPort, 0)));
        server.PublishListeners("l1", TcpListener("tcp_listener", listenerPort, "echo"));
        await server.WaitForAckAsync(Types.Listener, "l1");
        await AgentRunner.WaitUntilAsync(() => agent.Clusters.AllWarm, "the cluster is warm");
        using var established = new TcpClient();
        await established.ConnectAsync(IPAddress.Loopback, listenerPort).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("one", await RoundTripAsync(established, "one"));

        server.PublishListeners("l2", TcpListener("tcp_listener", listenerPort, "echo", statPrefix: "replaced"));
        await server.WaitForAckAsync(Types.Listener, "l2");
        using var fresh = new TcpClient();
        await fresh.ConnectAsync(IPAddress.Loopback, listenerPort).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("two", await RoundTripAsync(established, "two"));
        Assert.Equal("three", await RoundTripAsync(fresh, "three"));
        Assert.Equal("l2", Assert.Single(agent.Listeners.Listeners, l => l.State == Agent.Listeners.ListenerState.Active).Version);
        established.Close();
        fresh.Close();
        await Task.WhenAll(echoTasks).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Listener_Removed_ClosesConnectionsAfterDrainTime()
    {
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        var echoPort = ((IPEndPoint)echo.LocalEndpoint).Port;
        var echoTask = EchoOnceAsync(echo);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestAdsServer.StartAsync();
        await using var agent = await AgentRunner.StartAsync(server.Port, time);
        var listenerPort = LoopbackPorts.GetFree();
        server.PublishClusters("c1", EdsCluster("echo"));
        server.PublishEndpoints("e1", Endpoints("echo", (echoPort, 0)));
        server.PublishListeners("l1", TcpListener("tcp_listener", listenerPort, "echo"));
        await server.WaitForAckAsync(Types.Listener, "l1");
        await AgentRunner.WaitUntilAsync(() => agent.Clusters.AllWarm, "the cluster is warm");
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, listenerPort).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("before", await RoundTripAsync(client, "before"));

        server.PublishListeners("l2");
        await server.WaitForAckAsync(Types.Listener, "l2");
        Assert.Equal("draining", await RoundTripAsync(client, "draining"));
        await Assert.ThrowsAnyAsync<SocketException>(() => new TcpClient().ConnectAsync(IPAddress.Loopback, listenerPort));

        // The runner's drain time is 2 s. The drain may start its timer a moment after the ACK,
        // so fake time moves on in steps until the agent closes the connection.
        var closed = ReadUntilClosedAsync(client);
        for (var step = 0; step < 100 && !closed.IsCompleted; step++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(closed, Task.Delay(50));
        }

        Assert.True(await closed.WaitAsync(TimeSpan.FromSeconds(10)));
        await echoTask.WaitAsync(TimeSpan.FromSeconds(10));
    }

    // True once the peer closed (end of stream) or reset the connection.
    private static async Task<bool> ReadUntilClosedAsync(TcpClient client)
    {
        try
        {
            return await client.GetStream().ReadAsync(new byte[16]) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static async Task<string> RoundTripAsync(TcpClient client, string text)
    {
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text));
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    private static async Task EchoOnceAsync(TcpListener listener)
    {
        using var socket = await listener.AcceptSocketAsync();
        var buffer = new byte[1024];
        int read;
        while ((read = await socket.ReceiveAsync(buffer)) > 0)
        {
            await socket.SendAsync(buffer.AsMemory(0, read));
        }
    }
}
