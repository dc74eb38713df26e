using System.Net;
using System.Net.Sockets;
using System.Text;
using Tests.Shared;

namespace Agent.Tests.Redis;

/// <summary>
/// Pipelined traffic through the filter: many clients share one upstream connection, whose write
/// loop batches their commands, and each client's replies are flushed per batch.
/// </summary>
public class RedisProxyPipelineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Pipeline_ConcurrentClients_RepliesInOrder()
    {
        await using var redis = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        clusters.Add("primary", [redis.Port]);
        await using var proxy = await RedisProxyHost.StartAsync(RedisProxyConfigs.CatchAll("primary"), clusters);
        const int clients = 8;
        const int pairs = 200;

        var results = await Task.WhenAll(Enumerable.Range(0, clients).Select(c => SetThenGetAsync(proxy, c, pairs)));

        for (var c = 0; c < clients; c++)
        {
            var expected = Enumerable.Range(0, pairs).SelectMany(i => new[] { "OK", $"value-{c}-{i}" });
            Assert.Equal(expected, results[c]);
        }

        Assert.Equal(clients * pairs, proxy.Counter("redis.redis.command.set.total"));
        Assert.Equal(clients * pairs, proxy.Counter("redis.redis.command.set.success"));
        Assert.Equal(clients * pairs, proxy.Counter("redis.redis.command.get.success"));
        Assert.Equal(0, proxy.Counter("redis.redis.command.get.error"));
        Assert.Equal(0, proxy.Gauge("redis.redis.downstream_rq_active"));
    }

    [Fact]
    public async Task Pipeline_UpstreamClosesMidBatch_AllAnswered()
    {
        // An upstream that answers the first three of ten commands and then closes its connection.
        using var upstream = new TcpListener(IPAddress.Loopback, 0);
        upstream.Start();
        var clusters = new StaticClusterManager();
        clusters.Add("primary", [((IPEndPoint)upstream.LocalEndpoint).Port]);
        await using var proxy = await RedisProxyHost.StartAsync(RedisProxyConfigs.CatchAll("primary"), clusters);
        await using var client = await proxy.ConnectAsync();
        var serving = AnswerThenCloseAsync(upstream, commands: 10, answered: 3);

        await client.SendRawAsync(Enumerable.Range(0, 10).SelectMany(i => RespTestClient.Encode("SET", $"k{i}", "v")).ToArray());
        var replies = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            replies.Add((await client.ReadReplyAsync()).ToString());
        }

        await serving.WaitAsync(Timeout);
        Assert.Equal([.. Enumerable.Repeat("OK", 3), .. Enumerable.Repeat("-upstream failure", 7)], replies);
        Assert.Equal("PONG", (await client.CommandAsync("PING")).ToString());
        Assert.Equal(3, proxy.Counter("redis.redis.command.set.success"));
        Assert.Equal(7, proxy.Counter("redis.redis.command.set.error"));
        Assert.Equal(0, proxy.Gauge("redis.redis.downstream_rq_active"));
    }

    [Fact]
    public async Task Pipeline_MirroredWrites_AllMirrored()
    {
        await using var primary = await RedisServer.StartAsync();
        await using var mirror = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        clusters.Add("primary", [primary.Port]);
        clusters.Add("mirror", [mirror.Port]);
        var config = RedisProxyConfigs.CatchAll("primary", mirrors: RedisProxyConfigs.Mirror("mirror", excludeReadCommands: true));
        await using var proxy = await RedisProxyHost.StartAsync(config, clusters);
        await using var client = await proxy.ConnectAsync();

        await client.SendRawAsync(Enumerable.Range(0, 100).SelectMany(i => RespTestClient.Encode("SET", $"k{i}", $"v{i}")).ToArray());
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal("OK", (await client.ReadReplyAsync()).ToString());
        }

        // Copies share one connection in order, so once the last is there every earlier one was handled.
        await RedisProxyMirrorTests.WaitUntilAsync(async () => await mirror.CommandAsync("STRLEN", "k99") == ":3");
        Assert.Equal("v0", await mirror.CommandAsync("GET", "k0"));
        Assert.Equal(":100", await mirror.CommandAsync("DBSIZE"));
        Assert.Equal(100, proxy.Counter("redis.redis.mirror.rq_total"));
    }

    /// <summary>Sends <paramref name="pairs"/> SET and GET pairs in one write, with mixed-case names, and reads every reply.</summary>
    private static async Task<List<string>> SetThenGetAsync(RedisProxyHost proxy, int client, int pairs)
    {
        await using var connection = await proxy.ConnectAsync();
        var batch = Enumerable.Range(0, pairs).SelectMany(i =>
            RespTestClient.Encode("sEt", $"key-{client}-{i}", $"value-{client}-{i}").Concat(RespTestClient.Encode("Get", $"key-{client}-{i}")));
        await connection.SendRawAsync(batch.ToArray());
        var replies = new List<string>();
        for (var i = 0; i < 2 * pairs; i++)
        {
            replies.Add((await connection.ReadReplyAsync()).ToString());
        }

        return replies;
    }

    /// <summary>Accepts one connection, reads until <paramref name="commands"/> requests have arrived, answers the first few with +OK and closes.</summary>
    private static async Task AnswerThenCloseAsync(TcpListener listener, int commands, int answered)
    {
        using var socket = await listener.AcceptSocketAsync().WaitAsync(Timeout);
        var buffer = new byte[64 * 1024];
        var arrays = 0;
        while (arrays < commands)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(Timeout);
            Assert.NotEqual(0, read);

            // Keys and values here hold no '*', so each one starts a request array.
            arrays += buffer.AsSpan(0, read).Count((byte)'*');
        }

        await socket.SendAsync(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("+OK\r\n", answered))));
        socket.Shutdown(SocketShutdown.Both);
    }
}
