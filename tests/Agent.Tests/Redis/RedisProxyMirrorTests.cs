using Tests.Shared;

namespace Agent.Tests.Redis;

public class RedisProxyMirrorTests
{
    [Fact]
    public async Task Mirror_ExcludeReads_OnlyWritesMirrored()
    {
        await using var primary = await RedisServer.StartAsync();
        await using var mirror = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        clusters.Add("primary", [primary.Port]);
        clusters.Add("mirror", [mirror.Port]);
        var config = RedisProxyConfigs.CatchAll("primary", mirrors: RedisProxyConfigs.Mirror("mirror", excludeReadCommands: true));
        await using var proxy = await RedisProxyHost.StartAsync(config, clusters);
        await using var client = await proxy.ConnectAsync();

        Assert.Equal("OK", (await client.CommandAsync("SET", "k1", "v1")).ToString());
        Assert.Equal("v1", (await client.CommandAsync("GET", "k1")).ToString());
        Assert.Equal("[v1, (nil)]", (await client.CommandAsync("MGET", "k1", "k2")).ToString());
        Assert.Equal("1", (await client.CommandAsync("EXISTS", "k1")).ToString());
        Assert.Equal("OK", (await client.CommandAsync("SET", "last", "done")).ToString());

        // Mirrored commands share one connection in order, so once "last" is there every earlier copy was handled.
        // The test polls with STRLEN so that its own reads do not show up as GET calls on the mirror.
        await WaitUntilAsync(async () => await mirror.CommandAsync("STRLEN", "last") == ":4");
        var commandStats = await mirror.CommandAsync("INFO", "commandstats");
        Assert.Equal("v1", await mirror.CommandAsync("GET", "k1"));
        Assert.Contains("cmdstat_set:calls=2", commandStats);
        Assert.DoesNotContain("cmdstat_get", commandStats);
        Assert.DoesNotContain("cmdstat_exists", commandStats);
        Assert.Equal(2, proxy.Counter("redis.redis.mirror.rq_total"));
    }

    [Fact]
    public async Task Mirror_AllCommands_ReadsMirrored()
    {
        await using var primary = await RedisServer.StartAsync();
        await using var mirror = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        clusters.Add("primary", [primary.Port]);
        clusters.Add("mirror", [mirror.Port]);
        var config = RedisProxyConfigs.CatchAll("primary", mirrors: RedisProxyConfigs.Mirror("mirror", excludeReadCommands: false));
        await using var proxy = await RedisProxyHost.StartAsync(config, clusters);
        await using var client = await proxy.ConnectAsync();

        await client.CommandAsync("GET", "k1");
        await client.CommandAsync("SET", "last", "done");

        await WaitUntilAsync(async () => await mirror.CommandAsync("STRLEN", "last") == ":4");
        Assert.Contains("cmdstat_get:calls=1,", await mirror.CommandAsync("INFO", "commandstats"));
    }

    [Fact]
    public async Task Mirror_ZeroPercentRuntimeFraction_MirrorsNothing()
    {
        await using var primary = await RedisServer.StartAsync();
        await using var mirror = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        clusters.Add("primary", [primary.Port]);
        clusters.Add("mirror", [mirror.Port]);
        var config = RedisProxyConfigs.CatchAll("primary", mirrors: RedisProxyConfigs.Mirror("mirror", excludeReadCommands: false, percent: 0));
        await using var proxy = await RedisProxyHost.StartAsync(config, clusters);
        await using var client = await proxy.ConnectAsync();

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("OK", (await client.CommandAsync("SET", $"k{i}", "v")).ToString());
        }

        Assert.Equal(":20", await primary.CommandAsync("DBSIZE"));
        Assert.Equal(0, proxy.Counter("redis.redis.mirror.rq_total"));
        Assert.Equal(":0", await mirror.CommandAsync("DBSIZE"));
    }

    [Fact]
    public async Task Mirror_MirrorStopped_ClientUnaffected()
    {
        await using var primary = await RedisServer.StartAsync();
        await using var mirror = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        clusters.Add("primary", [primary.Port]);
        clusters.Add("mirror", [mirror.Port]);
        var config = RedisProxyConfigs.CatchAll("primary", mirrors: RedisProxyConfigs.Mirror("mirror", excludeReadCommands: true));
        await using var proxy = await RedisProxyHost.StartAsync(config, clusters);
        await using var client = await proxy.ConnectAsync();
        Assert.Equal("OK", (await client.CommandAsync("SET", "before", "1")).ToString());
        await WaitUntilAsync(async () => await mirror.CommandAsync("STRLEN", "before") == ":1");

        await mirror.StopAsync();
        var replies = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            replies.Add((await client.CommandAsync("SET", $"k{i}", $"v{i}")).ToString());
            replies.Add((await client.CommandAsync("GET", $"k{i}")).ToString());
        }

        Assert.Equal(Enumerable.Range(0, 50).SelectMany(i => new[] { "OK", $"v{i}" }), replies);
        await WaitUntilAsync(() => Task.FromResult(
            proxy.Counter("redis.redis.mirror.rq_error") + proxy.Counter("redis.redis.mirror.rq_dropped") == 50));
        Assert.Equal(51, proxy.Counter("redis.redis.mirror.rq_total"));
        Assert.Equal(0, proxy.Counter("redis.redis.command.set.error"));
    }

    [Fact]
    public async Task Mirror_StalledPastCapacity_DropsCopies()
    {
        await using var primary = await RedisServer.StartAsync();
        await using var mirror = await RedisServer.StartAsync();
        var clusters = new StaticClusterManager();
        clusters.Add("primary", [primary.Port]);
        clusters.Add("mirror", [mirror.Port]);
        var config = RedisProxyConfigs.CatchAll("primary", TimeSpan.FromSeconds(30), RedisProxyConfigs.Mirror("mirror", excludeReadCommands: true));
        await using var proxy = await RedisProxyHost.StartAsync(config, clusters, new() { MirrorQueueCapacity = 10 });
        await using var client = await proxy.ConnectAsync();
        await mirror.PauseAsync();
        try
        {
            for (var i = 0; i < 30; i++)
            {
                Assert.Equal("OK", (await client.CommandAsync("SET", $"k{i}", "v")).ToString());
            }

            Assert.Equal(30, proxy.Counter("redis.redis.mirror.rq_total"));
            Assert.Equal(20, proxy.Counter("redis.redis.mirror.rq_dropped"));
        }
        finally
        {
            await mirror.ResumeAsync();
        }

        await WaitUntilAsync(async () => await mirror.CommandAsync("DBSIZE") == ":10");
    }

    /// <summary>Polls <paramref name="condition"/> every 20 ms; fails the test if it is still false after 10 seconds.</summary>
    internal static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition still false after 10 seconds");
            await Task.Delay(20);
        }
    }
}
