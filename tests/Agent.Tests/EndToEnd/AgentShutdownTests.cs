using System.Collections.Concurrent;
using System.Text.Json;
using Agent.Bootstrap;
using Agent.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tests.Shared;

namespace Agent.Tests.EndToEnd;

/// <summary>Stopping the agent while its ADS stream to a real control plane is open.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class AgentShutdownTests
{
    [Fact]
    public async Task Agent_StopWhileConnected_LogsNoError()
    {
        await using var controlPlane = await ControlPlaneServer.StartAsync();
        var (bootstrap, errors) = BootstrapLoader.Parse(
            AgentRunner.BootstrapYaml(controlPlane.XdsPort, LoopbackPorts.GetFree()), "test");
        Assert.True(bootstrap is not null, string.Join("; ", errors));
        var logs = new LogRecorder();
        using var host = AgentHost.Build(bootstrap!, new AgentOptions { DrainTime = TimeSpan.FromSeconds(2) },
            services => services.AddSingleton<ILoggerProvider>(logs));

        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await ScenarioHarness.WaitUntilAsync(
            async () => await IsConnectedAsync(controlPlane), "the agent's node shows in /api/v1/nodes");
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(15));

        Assert.DoesNotContain(logs.Entries, entry => entry.Level >= LogLevel.Error);
    }

    private static async Task<bool> IsConnectedAsync(ControlPlaneServer controlPlane)
    {
        using var json = JsonDocument.Parse(await controlPlane.Api.GetStringAsync("/api/v1/nodes"));
        return json.RootElement.EnumerateArray().Any(node => node.GetProperty("id").GetString() == ScenarioHarness.NodeId);
    }

    /// <summary>Keeps every log entry of every category, so a test can assert on levels.</summary>
    private sealed class LogRecorder : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(LogRecorder recorder, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(
                LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                recorder.Entries.Enqueue((category, logLevel, formatter(state, exception) + " " + exception?.GetType().Name));
        }
    }
}
