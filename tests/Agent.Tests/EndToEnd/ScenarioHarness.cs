using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Agent.Redis.Protocol;
using Agent.Tests.Redis;
using Agent.Tests.Support;
using Tests.Shared;
using RedisServer = Tests.Shared.RedisServer;

namespace Agent.Tests.EndToEnd;

/// <summary>
/// The reference scenario on loopback: two redis-servers, two HTTP backends, a real control plane
/// with its store in a temporary folder, and the agent, with deploy/examples/scenario.yaml applied
/// through the operator API and the agent serving it.
/// </summary>
internal sealed class ScenarioHarness : IAsyncDisposable
{
    public const string NodeId = "agent-test";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly string _storeFolder;

    private ScenarioHarness(RedisServer primary, RedisServer secondary, HttpBackend a, HttpBackend b, string storeFolder)
    {
        RedisPrimary = primary;
        RedisSecondary = secondary;
        BackendA = a;
        BackendB = b;
        _storeFolder = storeFolder;
        Ports = new ScenarioPorts(primary.Port, secondary.Port, a.Port, b.Port, LoopbackPorts.GetFree(), LoopbackPorts.GetFree());
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Ports.HttpListener}"), Timeout = RequestTimeout };
    }

    /// <summary>Priority 0 of cluster <c>primary</c>.</summary>
    public RedisServer RedisPrimary { get; }

    /// <summary>Priority 1 of cluster <c>primary</c> and the only host of cluster <c>mirror</c>.</summary>
    public RedisServer RedisSecondary { get; }

    public HttpBackend BackendA { get; }

    public HttpBackend BackendB { get; }

    public ScenarioPorts Ports { get; }

    public ControlPlaneServer? ControlPlane { get; private set; }

    public AgentRunner? Agent { get; private set; }

    /// <summary>A client of the agent's HTTP listener.</summary>
    public HttpClient Http { get; }

    public string StorePath => Path.Combine(_storeFolder, "store.db");

    /// <summary>Starts every part, applies the scenario, starts the agent and waits until it serves both listeners.</summary>
    /// <param name="apiType">The agent's dynamic_resources.ads_config.api_type: GRPC or DELTA_GRPC.</param>
    public static async Task<ScenarioHarness> StartAsync(string apiType = "GRPC")
    {
        var harness = await StartPartsAsync();
        try
        {
            await harness.StartControlPlaneAsync();
            await harness.ApplyAsync(ScenarioFile.Load(harness.Ports));
            harness.Agent = await AgentRunner.StartAsync(harness.ControlPlane!.XdsPort, apiType: apiType);
            await harness.WaitUntilServingAsync();
            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the redis-servers and backends, stopping the ones already started if one fails to start.</summary>
    private static async Task<ScenarioHarness> StartPartsAsync()
    {
        var started = new List<IAsyncDisposable>();
        try
        {
            var primary = await RedisServer.StartAsync();
            started.Add(primary);
            var secondary = await RedisServer.StartAsync();
            started.Add(secondary);
            var a = await HttpBackend.StartAsync("backend-a");
            started.Add(a);
            var b = await HttpBackend.StartAsync("backend-b");
            started.Add(b);
            return new ScenarioHarness(primary, secondary, a, b, Directory.CreateTempSubdirectory("e2e-store-").FullName);
        }
        catch
        {
            foreach (var part in started)
            {
                await part.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Starts a control plane on the store path, on free ports unless the caller passes the ports of the previous one.</summary>
    public async Task StartControlPlaneAsync(int? xdsPort = null, int? apiPort = null)
    {
        ControlPlane = await ControlPlaneServer.StartAsync(StorePath, xdsPort, apiPort).WaitAsync(RequestTimeout);
    }

    public async Task StopControlPlaneAsync()
    {
        if (ControlPlane is { } controlPlane)
        {
            ControlPlane = null;
            await controlPlane.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));
        }
    }

    /// <summary>POSTs multi-document YAML to /api/v1/apply and returns the response, which the caller checks.</summary>
    public async Task<HttpResponseMessage> PostApplyAsync(string yaml)
    {
        var content = new StringContent(yaml, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/yaml");
        return await ControlPlane!.Api.PostAsync("/api/v1/apply", content).WaitAsync(RequestTimeout);
    }

    /// <summary>Applies YAML that must be accepted, and returns the new config version.</summary>
    public async Task<string> ApplyAsync(string yaml)
    {
        using var response = await PostApplyAsync(yaml);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"apply returned {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("version").ToString();
    }

    /// <summary>Sends one command on a new connection to the agent's Redis listener.</summary>
    public async Task<RespValue> RedisAsync(params string[] args)
    {
        await using var client = await RespTestClient.ConnectAsync(Ports.RedisListener);
        return await client.CommandAsync(args);
    }

    /// <summary>Sends GET / through the agent's HTTP listener and returns the status and the body (the backend's name).</summary>
    public async Task<(HttpStatusCode Status, string Body)> GetThroughAgentAsync()
    {
        using var response = await Http.GetAsync("/").WaitAsync(RequestTimeout);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Sends <paramref name="count"/> requests and counts the responses per backend name (or per status when not 200).</summary>
    public async Task<Dictionary<string, int>> CountBackendsAsync(int count)
    {
        var seen = new Dictionary<string, int>();
        for (var i = 0; i < count; i++)
        {
            var (status, body) = await GetThroughAgentAsync();
            var key = status == HttpStatusCode.OK ? body : $"status {(int)status}";
            seen[key] = seen.GetValueOrDefault(key) + 1;
        }

        return seen;
    }

    /// <summary>The agent's node in GET /api/v1/nodes, or null when it is not connected.</summary>
    public async Task<JsonElement?> GetNodeAsync()
    {
        var body = await ControlPlane!.Api.GetStringAsync("/api/v1/nodes").WaitAsync(RequestTimeout);
        using var json = JsonDocument.Parse(body);
        foreach (var node in json.RootElement.EnumerateArray())
        {
            if (node.GetProperty("id").GetString() == NodeId)
            {
                return node.Clone();
            }
        }

        return null;
    }

    /// <summary>The health_flags line of one host in the agent's admin /clusters text.</summary>
    public async Task<string?> HealthFlagsAsync(string cluster, int port)
    {
        var text = await Agent!.Admin.GetStringAsync("/clusters").WaitAsync(RequestTimeout);
        var prefix = $"{cluster}::127.0.0.1:{port}::health_flags::";
        return text.Split('\n').FirstOrDefault(line => line.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];
    }

    /// <summary>One counter or gauge from the agent's admin /stats, or null when the agent has not created it.</summary>
    public async Task<long?> StatAsync(string name)
    {
        var text = await Agent!.Admin.GetStringAsync("/stats").WaitAsync(RequestTimeout);
        var prefix = name + ": ";
        var line = text.Split('\n').FirstOrDefault(line => line.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? null : long.Parse(line[prefix.Length..]);
    }

    /// <summary>Polls <paramref name="condition"/> every 50 ms until it is true and returns the time that took; fails after <paramref name="timeout"/> (default 20 s).</summary>
    public static async Task<TimeSpan> WaitUntilAsync(Func<Task<bool>> condition, string description, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"timed out after {limit.TotalSeconds:0} s waiting until {description}");
            }

            await Task.Delay(50);
        }

        return clock.Elapsed;
    }

    /// <summary>Like <see cref="WaitUntilAsync"/>, treating a failed attempt (connection refused or reset, timeout) as "not yet".</summary>
    public static Task<TimeSpan> WaitUntilSucceedsAsync(Func<Task<bool>> condition, string description, TimeSpan? timeout = null) =>
        WaitUntilAsync(
            async () =>
            {
                try
                {
                    return await condition();
                }
                catch (Exception exception) when (IsTransient(exception))
                {
                    return false;
                }
            },
            description,
            timeout);

    /// <summary>Failures a client sees while a listener or upstream is not there (yet).</summary>
    public static bool IsTransient(Exception exception) =>
        exception is IOException or System.Net.Sockets.SocketException or HttpRequestException or TimeoutException
            or TaskCanceledException;

    public async Task WaitUntilServingAsync()
    {
        await WaitUntilSucceedsAsync(
            async () => (await Agent!.Admin.GetAsync("/ready")).StatusCode == HttpStatusCode.OK,
            "the agent's /ready returns 200");
        await WaitUntilSucceedsAsync(
            async () => await HealthFlagsAsync("web", BackendA.Port) == "healthy" && await HealthFlagsAsync("web", BackendB.Port) == "healthy",
            "both web hosts are healthy");
        await WaitUntilSucceedsAsync(
            async () => await HealthFlagsAsync("primary", RedisPrimary.Port) == "healthy",
            "the priority 0 Redis host is healthy");
        await WaitUntilSucceedsAsync(async () => (await RedisAsync("PING")).ToString() == "PONG", "PING through the agent returns PONG");
        await WaitUntilSucceedsAsync(async () => (await GetThroughAgentAsync()).Status == HttpStatusCode.OK, "GET / through the agent returns 200");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (Agent is not null)
        {
            await Agent.DisposeAsync();
        }

        await StopControlPlaneAsync();
        await BackendA.DisposeAsync();
        await BackendB.DisposeAsync();
        await RedisPrimary.DisposeAsync();
        await RedisSecondary.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_storeFolder, recursive: true);
    }
}
