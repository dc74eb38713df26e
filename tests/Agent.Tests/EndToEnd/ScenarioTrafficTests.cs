using System.Net;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Agent.Tests.EndToEnd;

/// <summary>Runs the end-to-end classes one after another: each starts two redis-servers, two backends, a control plane and the agent.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EndToEndCollection
{
    public const string Name = "EndToEnd";
}

/// <summary>Traffic through the agent after the reference scenario is applied through the operator API.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class ScenarioTrafficTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("GRPC")]
    [InlineData("DELTA_GRPC")]
    public async Task Scenario_Apply_AgentServesRedisAndHttp(string apiType)
    {
        await using var scenario = await ScenarioHarness.StartAsync(apiType);

        using var ready = await scenario.Agent!.Admin.GetAsync("/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("OK", (await scenario.RedisAsync("SET", "greeting", "hello")).ToString());
        Assert.Equal("hello", (await scenario.RedisAsync("GET", "greeting")).ToString());
        Assert.Equal("hello", await scenario.RedisPrimary.CommandAsync("GET", "greeting"));

        var seen = await scenario.CountBackendsAsync(20);
        output.WriteLine("20 requests: " + string.Join(", ", seen.Select(pair => $"{pair.Key}={pair.Value}")));
        Assert.Equal(["backend-a", "backend-b"], seen.Keys.Order());
        Assert.Equal(10, seen["backend-a"]);
        Assert.Equal(10, seen["backend-b"]);
    }

    [Fact]
    public async Task RedisMirror_SetAndGet_OnlyWritesMirrored()
    {
        await using var scenario = await ScenarioHarness.StartAsync();
        var mirror = scenario.RedisSecondary;

        // The mirror is read with GETRANGE, so its cmdstat_get counts only GETs the agent sent it.
        Assert.Equal("OK", (await scenario.RedisAsync("SET", "mirrored", "v1")).ToString());
        Assert.Equal("v1", await scenario.RedisPrimary.CommandAsync("GET", "mirrored"));
        await ScenarioHarness.WaitUntilAsync(
            async () => await mirror.CommandAsync("GETRANGE", "mirrored", "0", "-1") == "v1", "the SET reaches the mirror");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("v1", (await scenario.RedisAsync("GET", "mirrored")).ToString());
        }

        // A mirrored GET would be sent after its reply. A second SET, mirrored after it, shows when the mirror caught up.
        Assert.Equal("OK", (await scenario.RedisAsync("SET", "barrier", "b")).ToString());
        await ScenarioHarness.WaitUntilAsync(
            async () => await mirror.CommandAsync("GETRANGE", "barrier", "0", "-1") == "b", "the second SET reaches the mirror");
        var stats = await mirror.CommandAsync("INFO", "commandstats");
        output.WriteLine($"mirror: cmdstat_get calls {CommandCalls(stats, "get")}, cmdstat_set calls {CommandCalls(stats, "set")}");

        Assert.Equal(0, CommandCalls(stats, "get"));
        Assert.Equal(2, CommandCalls(stats, "set"));
    }

    [Theory]
    [InlineData("GRPC")]
    [InlineData("DELTA_GRPC")]
    public async Task PutEndpoints_BackendRemoved_GetsNoTraffic(string apiType)
    {
        await using var scenario = await ScenarioHarness.StartAsync(apiType);
        var updatesBefore = await scenario.StatAsync("cluster.web.update_success");
        var assignment = $$"""
            { "cluster_name": "web", "endpoints": [ { "lb_endpoints": [
              { "endpoint": { "address": { "socket_address": { "address": "127.0.0.1", "port_value": {{scenario.BackendA.Port}} } } } } ] } ] }
            """;

        using var response = await scenario.ControlPlane!.Api.PutAsync(
            "/api/v1/clusters/web/endpoints", new StringContent(assignment, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await ScenarioHarness.WaitUntilAsync(
            async () => await scenario.HealthFlagsAsync("web", scenario.BackendB.Port) is null, "the agent drops backend-b from cluster web");
        var requestsToB = scenario.BackendB.Requests.Count;
        var seen = await scenario.CountBackendsAsync(20);
        output.WriteLine("20 requests after the PUT: " + string.Join(", ", seen.Select(pair => $"{pair.Key}={pair.Value}")));

        Assert.Equal(20, seen.GetValueOrDefault("backend-a"));
        Assert.Equal(requestsToB, scenario.BackendB.Requests.Count);
        Assert.True(await scenario.StatAsync("cluster.web.update_success") > updatesBefore, "cluster.web.update_success did not grow");
    }

    /// <summary>Reads <c>calls=N</c> from the <c>cmdstat_{command}</c> line of INFO commandstats; 0 when the line is absent.</summary>
    private static int CommandCalls(string commandStats, string command)
    {
        var match = Regex.Match(commandStats, $@"^cmdstat_{command}:calls=(\d+)", RegexOptions.Multiline);
        return match.Success ? int.Parse(match.Groups[1].Value) : 0;
    }
}
