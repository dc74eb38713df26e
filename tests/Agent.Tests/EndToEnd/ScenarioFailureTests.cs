using System.Diagnostics;
using System.Net;
using Agent.Redis.Protocol;
using Agent.Tests.Redis;
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

        // One connection, open across the kill, as an application's client would keep it.
        await using var client = await RespTestClient.ConnectAsync(scenario.Ports.RedisListener);
        Assert.Equal("OK", (await client.CommandAsync("SET", "before-failover", "v")).ToString());

        await scenario.RedisPrimary.StopAsync();
        var (failures, firstSuccess) = await SendUntilSuccessAsync(scenario, client, i => ["SET", $"during-failover-{i}", "v"]);
        output.WriteLine($"failover: {failures.Count} command(s) failed, first success {firstSuccess.TotalMilliseconds:0} ms after the kill");
        failures.ForEach(failure => output.WriteLine("  failed: " + failure));
        output.WriteLine($"primary outlier ejections enforced: {await scenario.StatAsync("cluster.primary.outlier_detection.ejections_enforced_total")}");

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
        Assert.Equal(1, await scenario.StatAsync("cluster.web.outlier_detection.ejections_enforced_consecutive_5xx"));
        Assert.Equal(1, await scenario.StatAsync("cluster.web.outlier_detection.ejections_active"));

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
    /// Sends commands on <paramref name="client"/> until one gets a reply that is not an error,
    /// opening a new connection whenever the agent closes the current one. Returns each failure (an
    /// error reply or a closed connection) and the time to the first success.
    /// </summary>
    private static async Task<(List<string> Failures, TimeSpan FirstSuccess)> SendUntilSuccessAsync(
        ScenarioHarness scenario, RespTestClient client, Func<int, string[]> command)
    {
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        var current = client;
        try
        {
            await ScenarioHarness.WaitUntilAsync(
                async () =>
                {
                    try
                    {
                        var reply = await current.CommandAsync(command(failures.Count));
                        if (reply.Type != RespType.Error)
                        {
                            return true;
                        }

                        failures.Add(reply.ToString());
                    }
                    catch (Exception exception) when (ScenarioHarness.IsTransient(exception))
                    {
                        failures.Add($"connection closed ({exception.GetType().Name})");
                        current = await RespTestClient.ConnectAsync(scenario.Ports.RedisListener);
                    }

                    return false;
                },
                "a command through the agent succeeds after the primary was killed",
                RecoveryLimit);
        }
        finally
        {
            if (current != client)
            {
                await current.DisposeAsync();
            }
        }

        return (failures, clock.Elapsed);
    }
}
