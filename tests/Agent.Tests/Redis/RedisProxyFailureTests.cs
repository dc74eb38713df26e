using Agent.Clusters;
using Agent.Redis;
using Tests.Shared;
using RedisProxyProto = Envoy.Extensions.Filters.Network.RedisProxy.V3.RedisProxy;
using RouteProto = Envoy.Extensions.Filters.Network.RedisProxy.V3.RedisProxy.Types.PrefixRoutes.Types.Route;

namespace Agent.Tests.Redis;

/// <summary>Bad clients and failing upstreams: each failure reaches only the requests it concerns.</summary>
public class RedisProxyFailureTests
{
    [Theory]
    [InlineData("PING\r\n", "expected an array of bulk strings")]
    [InlineData("+OK\r\n", "expected an array of bulk strings")]
    [InlineData("*1\r\n$-7\r\n", "invalid bulk string length -7")]
    [InlineData("*-3\r\n", "invalid array length -3")]
    [InlineData("*2\r\n$3\r\nGET\r\n$1x\r\n", "invalid length")]
    [InlineData("*1\r\n$9223372036854775807\r\n", "invalid bulk string length 9223372036854775807, the limit is 1048576")]
    [InlineData("*2\r\n$3\r\nSET\r\n$1048577\r\n", "invalid bulk string length 1048577, the limit is 1048576")]
    [InlineData("*2000000000\r\n", "invalid array length 2000000000, the limit is 1048576")]
    public async Task MalformedRequest_ProtocolError_ClosesOnlyOffender(string input, string reason)
    {
        await using var redis = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        clusters.Add("primary", [redis.Port]);
        var options = new RedisProxyOptions { MaxBulkStringBytes = 1024 * 1024 };
        await using var proxy = await RedisProxyHost.StartAsync(RedisProxyConfigs.CatchAll("primary"), clusters, options);
        await using var bystander = await proxy.ConnectAsync();
        await using var offender = await proxy.ConnectAsync();
        Assert.Equal("OK", (await bystander.CommandAsync("SET", "k", "before")).ToString());

        // A valid command first: its reply must still arrive, in order, before the error.
        await offender.SendRawAsync(RespTestClient.Encode("GET", "k"));
        await offender.SendRawAsync(input);
        var first = await offender.ReadReplyAsync();
        var error = await offender.ReadReplyAsync();

        Assert.Equal("before", first.ToString());
        Assert.StartsWith($"-downstream protocol error: {reason}", error.ToString());
        Assert.True(await offender.IsClosedByPeerAsync());
        Assert.Equal("OK", (await bystander.CommandAsync("SET", "k", "after")).ToString());
        Assert.Equal("after", (await bystander.CommandAsync("GET", "k")).ToString());
        Assert.Equal(1, proxy.Counter("redis.redis.downstream_cx_protocol_error"));
    }

    [Fact]
    public async Task ClientDisconnect_MidPipeline_OthersServed()
    {
        await using var redis = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        clusters.Add("primary", [redis.Port]);
        await using var proxy = await RedisProxyHost.StartAsync(RedisProxyConfigs.CatchAll("primary"), clusters);
        var batch = Enumerable.Range(0, 500).SelectMany(i => RespTestClient.Encode("INCR", "counter")).ToArray();

        await using (var leaving = await proxy.ConnectAsync())
        {
            // The last request is cut in half, then the client goes away without reading any reply.
            await leaving.SendRawAsync([.. batch, .. RespTestClient.Encode("INCR", "counter").AsSpan(0, 10)]);
        }

        await RedisProxyMirrorTests.WaitUntilAsync(() => Task.FromResult(proxy.Gauge("redis.redis.downstream_cx_active") == 0));
        await using var staying = await proxy.ConnectAsync();
        var counter = await staying.CommandAsync("INCR", "counter");

        Assert.Equal(501, counter.Integer);
        Assert.Equal(0, proxy.Gauge("redis.redis.downstream_rq_active"));
        Assert.Equal(501, proxy.Counter("redis.redis.command.incr.success"));
    }

    [Fact]
    public async Task StalledUpstream_OpTimeout_UpstreamFailure()
    {
        await using var primary = await RedisServer.StartAsync();
        await using var backup = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        var cluster = clusters.Add("primary", [primary.Port], [backup.Port]);
        var config = RedisProxyConfigs.CatchAll("primary", TimeSpan.FromMilliseconds(300));
        await using var proxy = await RedisProxyHost.StartAsync(config, clusters);
        await using var client = await proxy.ConnectAsync();
        Assert.Equal("OK", (await client.CommandAsync("SET", "k", "v")).ToString());

        await primary.PauseAsync();
        try
        {
            await client.SendRawAsync([.. RespTestClient.Encode("GET", "k"), .. RespTestClient.Encode("PING")]);
            var timedOut = await client.ReadReplyAsync();
            var ping = await client.ReadReplyAsync();

            Assert.Equal("-upstream failure", timedOut.ToString());
            Assert.Equal("PONG", ping.ToString());
            Assert.Equal([LocalOriginFailure.Timeout], cluster.Hosts[0].Failures);
            Assert.Equal(1, proxy.Counter("redis.redis.command.get.error"));
        }
        finally
        {
            await primary.ResumeAsync();
        }

        Assert.Equal("OK", (await client.CommandAsync("SET", "k", "on-backup")).ToString());
        Assert.Equal("on-backup", await backup.CommandAsync("GET", "k"));
        Assert.Equal("v", await primary.CommandAsync("GET", "k"));
    }

    [Fact]
    public async Task StalledUpstream_OtherCluster_Unaffected()
    {
        await using var stalled = await RedisServer.StartAsync();
        await using var healthy = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        clusters.Add("stalled", [stalled.Port]);
        clusters.Add("healthy", [healthy.Port]);
        var config = RedisProxyConfigs.WithSettings(TimeSpan.FromMilliseconds(300));
        config.PrefixRoutes = new RedisProxyProto.Types.PrefixRoutes { CatchAllRoute = new RouteProto { Cluster = "healthy" } };
        config.PrefixRoutes.Routes.Add(new RouteProto { Prefix = "s:", Cluster = "stalled" });
        await using var proxy = await RedisProxyHost.StartAsync(config, clusters);
        await using var client = await proxy.ConnectAsync();

        await stalled.PauseAsync();
        try
        {
            await client.SendRawAsync([.. RespTestClient.Encode("SET", "s:k", "1"), .. RespTestClient.Encode("SET", "h:k", "2")]);
            var onStalled = await client.ReadReplyAsync();
            var onHealthy = await client.ReadReplyAsync();

            Assert.Equal("-upstream failure", onStalled.ToString());
            Assert.Equal("OK", onHealthy.ToString());
            Assert.Equal("2", await healthy.CommandAsync("GET", "h:k"));
        }
        finally
        {
            await stalled.ResumeAsync();
        }
    }

    [Fact]
    public async Task KilledUpstream_FailsThenNextHostServes()
    {
        await using var primary = await RedisServer.StartAsync();
        await using var backup = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        var cluster = clusters.Add("primary", [primary.Port], [backup.Port]);
        await using var proxy = await RedisProxyHost.StartAsync(RedisProxyConfigs.CatchAll("primary"), clusters);
        await using var client = await proxy.ConnectAsync();
        Assert.Equal("OK", (await client.CommandAsync("SET", "k", "v")).ToString());

        await primary.StopAsync();
        var failed = await client.CommandAsync("GET", "k");
        var next = await client.CommandAsync("SET", "k", "on-backup");

        Assert.Equal("-upstream failure", failed.ToString());
        Assert.Single(cluster.Hosts[0].Failures);
        Assert.Contains(cluster.Hosts[0].Failures.Single(), new[] { LocalOriginFailure.ConnectFailed, LocalOriginFailure.ConnectionReset });
        Assert.Equal("OK", next.ToString());
        Assert.Equal("on-backup", await backup.CommandAsync("GET", "k"));
        Assert.Equal(0, cluster.Hosts[0].ActiveRequests);
        Assert.Equal(0, cluster.Hosts[0].ActiveConnections);
    }

    [Fact]
    public async Task UpstreamRestarted_NextRequest_Reconnects()
    {
        await using var redis = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        clusters.Add("primary", [redis.Port]);
        await using var proxy = await RedisProxyHost.StartAsync(RedisProxyConfigs.CatchAll("primary"), clusters);
        await using var client = await proxy.ConnectAsync();
        Assert.Equal("OK", (await client.CommandAsync("SET", "k", "v")).ToString());

        await redis.StopAsync();
        await redis.StartAgainAsync();

        // The old connection is dead; whether the proxy notices before or while sending, the request after that succeeds on a new one.
        var first = await client.CommandAsync("SET", "k", "again");
        var second = await client.CommandAsync("GET", "k");

        Assert.Contains(first.ToString(), new[] { "OK", "-upstream failure" });
        Assert.Equal(first.ToString() == "OK" ? "again" : "(nil)", second.ToString());
    }
}
