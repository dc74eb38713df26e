using System.Diagnostics;
using System.Net;
using Agent.Redis.Protocol;
using Xunit.Abstractions;

namespace Agent.Tests.EndToEnd;

/// <summary>
/// Failures of upstreams in the reference scenario: a killed Redis primary and an HTTP backend
/// returning 500. The figures a user would compare (commands lost, 500s seen, time to recover)
/// are printed to the test output and not asserted.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ScenarioFailureTests(ITestOutputHelper output)
{
    private static readonly TimeSpan RecoveryLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task RedisFailover_PrimaryKilled_PriorityOneServesThenPrimary()
    {
        await using var scenario = await ScenarioHarness.StartAsync();
        await scenario.RedisSecondary.CommandAsync("SET", "only-on-secondary", "secondary");
        await scenario.RedisPrimary.CommandAsync("SET", "only-on-secondary", "primary");
        Assert.Equal("primary", (await scenario.RedisAsync("GET", "only-on-secondary")).ToString());

        await scenario.RedisPrimary.StopAsync();
        var (failed, firstSuccess) = await SendUntilSuccessAsync(scenario, i => ["SET", $"during-failover-{i}", "v"]);
        output.WriteLine($"failover: {failed} command(s) failed, first success {firstSuccess.TotalMilliseconds:0} ms after the kill");

        Assert.Equal("secondary", (await scenario.RedisAsync("GET", "only-on-secondary")).ToString());
        Assert.Contains("failed_", await scenario.HealthFlagsAsync("primary", scenario.RedisPrimary.Port));

        await scenario.RedisPrimary.StartAgainAsync();
        await scenario.RedisPrimary.CommandAsync("SET", "only-on-secondary", "primary-again");
        var back = await ScenarioHarness.WaitUntilSucceedsAsync(
            async () => (await scenario.RedisAsync("GET", "only-on-secondary")).ToString() == "primary-again",
            "reads go to the restarted primary",
            RecoveryLimit);
        output.WriteLine($"failback: reads reach the restarted primary {back.TotalMilliseconds:0} ms after its restart");

        Assert.Equal("healthy", await scenario.HealthFlagsAsync("primary", scenario.RedisPrimary.Port));
        Assert.Equal("OK", (await scenario.RedisAsync("SET", "after-failback", "v")).ToString());
        Assert.Equal("v", await scenario.RedisPrimary.CommandAsync("GET", "after-failback"));
    }

    [Fact]
    public async Task HttpOutlier_BackendReturns500_EjectedThenReturns()
    {
        await using var scenario = await ScenarioHarness.StartAsync();
        var failing = scenario.BackendA;
        var requestsBefore = failing.Requests.Count;

        // Only the responses fail at first, so outlier detection (not the health check) ejects the host.
        failing.StatusCode = 500;
        var seen500 = 0;
        var ejected = await ScenarioHarness.WaitUntilAsync(
            async () =>
            {
                if ((await scenario.GetThroughAgentAsync()).Status == HttpStatusCode.InternalServerError)
                {
                    seen500++;
                }

                return await scenario.HealthFlagsAsync("web", failing.Port) is { } flags && flags.Contains("failed_outlier_check");
            },
            "backend-a is ejected by outlier detection",
            RecoveryLimit);
        output.WriteLine($"ejection: {seen500} response(s) with status 500 seen, host ejected {ejected.TotalMilliseconds:0} ms after it began failing");
        Assert.True(seen500 >= 1, "the client saw no 500, so the ejection had another cause");

        failing.Healthy = false;
        var healthCheckFailed = await ScenarioHarness.WaitUntilAsync(
            async () => await scenario.HealthFlagsAsync("web", failing.Port) is { } flags && flags.Contains("failed_active_hc"),
            "the health check marks backend-a down",
            RecoveryLimit);
        output.WriteLine($"health check: /healthz 503 flagged {healthCheckFailed.TotalMilliseconds:0} ms after it began");

        var requestsWhileOut = failing.Requests.Count;
        var whileOut = await scenario.CountBackendsAsync(20);
        Assert.Equal(20, whileOut.GetValueOrDefault("backend-b"));
        Assert.Equal(requestsWhileOut, failing.Requests.Count);

        failing.StatusCode = 200;
        failing.Healthy = true;
        var recovered = await ScenarioHarness.WaitUntilAsync(
            async () => (await scenario.GetThroughAgentAsync()).Body == "backend-a",
            "backend-a gets traffic again",
            RecoveryLimit);
        output.WriteLine($"return: backend-a answered again {recovered.TotalMilliseconds:0} ms after it recovered");

        Assert.True(failing.Requests.Count > requestsBefore);
        Assert.Equal("healthy", await scenario.HealthFlagsAsync("web", failing.Port));
    }

    /// <summary>
    /// Sends commands, each on a new connection, until one gets a reply that is not an error. Returns
    /// how many failed (an error reply or a dropped connection) and the time to the first success.
    /// </summary>
    private static async Task<(int Failed, TimeSpan FirstSuccess)> SendUntilSuccessAsync(
        ScenarioHarness scenario, Func<int, string[]> command)
    {
        var failed = 0;
        var clock = Stopwatch.StartNew();
        await ScenarioHarness.WaitUntilAsync(
            async () =>
            {
                try
                {
                    var reply = await scenario.RedisAsync(command(failed));
                    if (reply.Type != RespType.Error)
                    {
                        return true;
                    }
                }
                catch (Exception exception) when (ScenarioHarness.IsTransient(exception))
                {
                }

                failed++;
                return false;
            },
            "a command through the agent succeeds after the primary was killed",
            RecoveryLimit);
        return (failed, clock.Elapsed);
    }
}
