using System.Text;
using Agent.Redis.Protocol;
using Tests.Shared;
using RedisProxyProto = Envoy.Extensions.Filters.Network.RedisProxy.V3.RedisProxy;
using RouteProto = Envoy.Extensions.Filters.Network.RedisProxy.V3.RedisProxy.Types.PrefixRoutes.Types.Route;

namespace Agent.Tests.Redis;

/// <summary>The filter end to end: a raw client, the filter on a loopback listener, real redis-server processes.</summary>
public class RedisProxyFilterTests
{
    [Fact]
    public async Task SetGet_RoundTrip_StoresAndCounts()
    {
        await using var redis = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        clusters.Add("primary", [redis.Port]);
        await using var proxy = await RedisProxyHost.StartAsync(RedisProxyConfigs.CatchAll("primary"), clusters);
        await using var client = await proxy.ConnectAsync();

        var set = await client.CommandAsync("SET", "greeting", "hello");
        var get = await client.CommandAsync("get", "greeting");

        Assert.Equal("OK", set.ToString());
        Assert.Equal("hello", get.ToString());
        Assert.Equal("hello", await redis.CommandAsync("GET", "greeting"));
        Assert.Equal(1, proxy.Counter("redis.redis.command.set.total"));
        Assert.Equal(1, proxy.Counter("redis.redis.command.set.success"));
        Assert.Equal(1, proxy.Counter("redis.redis.command.get.success"));
        Assert.Equal(2, proxy.Counter("redis.redis.downstream_rq_total"));
        Assert.Equal(1, proxy.Gauge("redis.redis.downstream_cx_active"));
    }

    [Fact]
    public async Task Set_ValueOverTransportBuffer_RoundTrips()
    {
        await using var redis = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        clusters.Add("primary", [redis.Port]);
        await using var proxy = await RedisProxyHost.StartAsync(RedisProxyConfigs.CatchAll("primary"), clusters);
        await using var client = await proxy.ConnectAsync();
        var value = new string('v', 3 * 1024 * 1024);

        var set = await client.CommandAsync("SET", "big", value);
        var get = await client.CommandAsync("GET", "big");

        Assert.Equal("OK", set.ToString());
        Assert.Equal(value.Length, get.Bytes!.Length);
        Assert.Equal(value, Encoding.ASCII.GetString(get.Bytes));
    }

    [Fact]
    public async Task Pipeline_MixedUpstreams_RepliesInOrder()
    {
        await using var first = await RedisServer.StartAsync();
        await using var second = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        clusters.Add("first", [first.Port]);
        clusters.Add("second", [second.Port]);
        var config = RedisProxyConfigs.WithSettings();
        config.PrefixRoutes = new RedisProxyProto.Types.PrefixRoutes();
        config.PrefixRoutes.Routes.Add(new RouteProto { Prefix = "a:", Cluster = "first" });
        config.PrefixRoutes.Routes.Add(new RouteProto { Prefix = "b:", Cluster = "second" });
        config.PrefixRoutes.Routes.Add(new RouteProto { Prefix = "c:", Cluster = "missing" });
        await using var proxy = await RedisProxyHost.StartAsync(config, clusters);
        await using var client = await proxy.ConnectAsync();

        // One write carries every request, so most of them arrive in one read and are dispatched before any reply is sent.
        var batch = new List<byte>();
        var expected = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            batch.AddRange(RespTestClient.Encode("SET", $"a:{i}", $"first-{i}"));
            batch.AddRange(RespTestClient.Encode("INCRBY", $"b:{i}", $"{i}"));
            batch.AddRange(RespTestClient.Encode(i % 2 == 0 ? "GET" : "KEYS", $"c:{i}"));
            batch.AddRange(RespTestClient.Encode("GET", $"a:{i}"));
            expected.AddRange(["OK", $"{i}", i % 2 == 0 ? "-no upstream host" : $"-unsupported command 'KEYS'", $"first-{i}"]);
        }

        await client.SendRawAsync(batch.ToArray());
        var replies = new List<string>();
        for (var i = 0; i < expected.Count; i++)
        {
            replies.Add((await client.ReadReplyAsync()).ToString());
        }

        Assert.Equal(expected, replies);
        Assert.Equal(50, proxy.Counter("redis.redis.command.get.error"));
        Assert.Equal(50, proxy.Counter("redis.redis.splitter.unsupported_command"));
    }

    [Fact]
    public async Task PrefixRoutes_CaseInsensitiveRemovePrefix_RoutesKeys()
    {
        await using var users = await RedisServer.StartAsync();
        await using var admins = await RedisServer.StartAsync();
        await using var other = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        clusters.Add("users", [users.Port]);
        clusters.Add("admins", [admins.Port]);
        clusters.Add("other", [other.Port]);
        var config = RedisProxyConfigs.WithSettings();
        config.PrefixRoutes = new RedisProxyProto.Types.PrefixRoutes { CaseInsensitive = true, CatchAllRoute = new RouteProto { Cluster = "other" } };
        config.PrefixRoutes.Routes.Add(new RouteProto { Prefix = "user:", Cluster = "users", RemovePrefix = true });
        config.PrefixRoutes.Routes.Add(new RouteProto { Prefix = "user:admin:", Cluster = "admins" });
        await using var proxy = await RedisProxyHost.StartAsync(config, clusters);
        await using var client = await proxy.ConnectAsync();

        Assert.Equal("OK", (await client.CommandAsync("SET", "USER:42", "alice")).ToString());
        Assert.Equal("OK", (await client.CommandAsync("SET", "User:Admin:1", "root")).ToString());
        Assert.Equal("OK", (await client.CommandAsync("SET", "session:9", "x")).ToString());

        Assert.Equal("alice", await users.CommandAsync("GET", "42"));
        Assert.Equal(":0", await users.CommandAsync("EXISTS", "USER:42"));
        Assert.Equal("root", await admins.CommandAsync("GET", "User:Admin:1"));
        Assert.Equal("x", await other.CommandAsync("GET", "session:9"));
        Assert.Equal("alice", (await client.CommandAsync("GET", "user:42")).ToString());
    }

    [Fact]
    public async Task MultiKeyCommands_TwoHosts_SplitAndCombine()
    {
        await using var left = await RedisServer.StartAsync();
        await using var right = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        clusters.Add("primary", [left.Port, right.Port]);
        await using var proxy = await RedisProxyHost.StartAsync(RedisProxyConfigs.CatchAll("primary"), clusters);
        await using var client = await proxy.ConnectAsync();
        var keys = Enumerable.Range(0, 20).Select(i => $"key:{i}").ToArray();

        var mset = await client.CommandAsync(["MSET", .. keys.SelectMany(key => new[] { key, "value-of-" + key })]);
        var mget = await client.CommandAsync(["MGET", .. keys, "absent"]);
        var exists = await client.CommandAsync(["EXISTS", .. keys, "absent"]);
        var leftCount = int.Parse((await left.CommandAsync("DBSIZE"))[1..]);
        var rightCount = int.Parse((await right.CommandAsync("DBSIZE"))[1..]);
        var del = await client.CommandAsync(["DEL", .. keys, "absent"]);

        Assert.Equal("OK", mset.ToString());
        Assert.Equal([.. keys.Select(key => "value-of-" + key), "(nil)"], mget.Items!.Select(item => item.ToString()));
        Assert.Equal(20, exists.Integer);
        Assert.True(leftCount > 0, "no key landed on the first host");
        Assert.True(rightCount > 0, "no key landed on the second host");
        Assert.Equal(20, leftCount + rightCount);
        Assert.Equal(20, del.Integer);
        Assert.Equal(":0", await left.CommandAsync("DBSIZE"));
        Assert.Equal(":0", await right.CommandAsync("DBSIZE"));
        Assert.Equal(1, proxy.Counter("redis.redis.command.mget.success"));
    }

    [Fact]
    public async Task MultiKeyCommands_BadArguments_EnvoyErrors()
    {
        await using var redis = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        clusters.Add("primary", [redis.Port]);
        await using var proxy = await RedisProxyHost.StartAsync(RedisProxyConfigs.CatchAll("primary"), clusters);
        await using var client = await proxy.ConnectAsync();
        await redis.CommandAsync("LPUSH", "list", "x");

        var oddMset = await client.CommandAsync("MSET", "a", "1", "b");
        var shortEval = await client.CommandAsync("EVAL", "return 1", "1");
        var mgetWithList = await client.CommandAsync("MGET", "list", "missing");
        var eval = await client.CommandAsync("EVAL", "return redis.call('GET', KEYS[1])", "1", "list-free-key");

        Assert.Equal("-wrong number of arguments for 'MSET' command", oddMset.ToString());
        Assert.Equal("-wrong number of arguments for 'EVAL' command", shortEval.ToString());
        Assert.Equal(RespType.Error, mgetWithList.Items![0].Type);
        Assert.StartsWith("WRONGTYPE", mgetWithList.Items[0].Text);
        Assert.Equal(RespType.Null, mgetWithList.Items[1].Type);
        Assert.Equal(RespType.Null, eval.Type);
        Assert.Equal(1, proxy.Counter("redis.redis.command.mget.error"));
    }

    [Fact]
    public async Task Eval_FirstKey_RoutesByThatKey()
    {
        await using var first = await RedisServer.StartAsync();
        await using var second = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        clusters.Add("first", [first.Port]);
        clusters.Add("second", [second.Port]);
        var config = RedisProxyConfigs.WithSettings();
        config.PrefixRoutes = new RedisProxyProto.Types.PrefixRoutes { CatchAllRoute = new RouteProto { Cluster = "first" } };
        config.PrefixRoutes.Routes.Add(new RouteProto { Prefix = "b:", Cluster = "second" });
        await using var proxy = await RedisProxyHost.StartAsync(config, clusters);
        await using var client = await proxy.ConnectAsync();

        var eval = await client.CommandAsync("EVAL", "return redis.call('SET', KEYS[1], ARGV[1])", "1", "b:k", "scripted");

        Assert.Equal("OK", eval.ToString());
        Assert.Equal("scripted", await second.CommandAsync("GET", "b:k"));
        Assert.Equal(":0", await first.CommandAsync("DBSIZE"));
        Assert.Equal(1, proxy.Counter("redis.redis.command.eval.success"));
    }

    [Fact]
    public async Task LocalCommands_NoUpstream_RepliedLocally()
    {
        var clusters = new StaticClusterManager();
        await using var proxy = await RedisProxyHost.StartAsync(RedisProxyConfigs.CatchAll("primary"), clusters);
        await using var client = await proxy.ConnectAsync();

        var ping = await client.CommandAsync("PING");
        var echo = await client.CommandAsync("ECHO", "hi there");
        var badEcho = await client.CommandAsync("ECHO");
        var time = await client.CommandAsync("TIME");
        var get = await client.CommandAsync("GET", "k");
        var quit = await client.CommandAsync("QUIT");

        Assert.Equal("PONG", ping.ToString());
        Assert.Equal("hi there", echo.ToString());
        Assert.Equal("-invalid request", badEcho.ToString());
        Assert.Equal(2, time.Items!.Length);
        Assert.Equal("-no upstream host", get.ToString());
        Assert.Equal("OK", quit.ToString());
        Assert.True(await client.IsClosedByPeerAsync());
    }

    [Theory]
    [InlineData("CONFIG", "GET")]
    [InlineData("keys", "*")]
    [InlineData("MULTI", "x")]
    [InlineData("FLUSHALL", "ASYNC")]
    public async Task UnsupportedCommand_EnvoyError_KeepsConnection(string command, string argument)
    {
        var clusters = new StaticClusterManager();
        await using var proxy = await RedisProxyHost.StartAsync(RedisProxyConfigs.CatchAll("primary"), clusters);
        await using var client = await proxy.ConnectAsync();

        var reply = await client.CommandAsync(command, argument);
        var auth = await client.CommandAsync("AUTH", "secret");
        var ping = await client.CommandAsync("PING");

        Assert.Equal($"-unsupported command '{command}'", reply.ToString());
        Assert.Equal("-ERR Client sent AUTH, but no password is set", auth.ToString());
        Assert.Equal("PONG", ping.ToString());
        Assert.Equal(1, proxy.Counter("redis.redis.splitter.unsupported_command"));
    }
}
