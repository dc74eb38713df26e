using Agent.Bootstrap;
using Agent.Clusters;
using Agent.Listeners;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tests.Shared;

namespace Agent.Tests.Support;

/// <summary>The agent started in-process against an ADS server on loopback, with its admin on a free port.</summary>
internal sealed class AgentRunner : IAsyncDisposable
{
    private AgentRunner(IHost host, int adminPort)
    {
        Host = host;
        AdminPort = adminPort;
        Admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public IHost Host { get; }

    public int AdminPort { get; }

    public HttpClient Admin { get; }

    public ClusterManager Clusters => Get<ClusterManager>();

    public ListenerManager Listeners => Get<ListenerManager>();

    public T Get<T>() where T : notnull => Host.Services.GetRequiredService<T>();

    /// <param name="apiType">dynamic_resources.ads_config.api_type: GRPC or DELTA_GRPC.</param>
    public static string BootstrapYaml(int xdsPort, int adminPort, string apiType = "GRPC") => $$"""
        node: { id: agent-test, cluster: edge }
        admin: { address: { socket_address: { address: 127.0.0.1, port_value: {{adminPort}} } } }
        dynamic_resources:
          ads_config:
            api_type: {{apiType}}
            transport_api_version: V3
            grpc_services: [ { envoy_grpc: { cluster_name: xds_cluster } } ]
          cds_config: { resource_api_version: V3, ads: {} }
          lds_config: { resource_api_version: V3, ads: {} }
        static_resources:
          clusters:
            - name: xds_cluster
              type: STATIC
              connect_timeout: 1s
              load_assignment:
                cluster_name: xds_cluster
                endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{xdsPort}} } } } } ] } ]
        """;

    /// <param name="beforeStart">Runs after the host is built and before it starts, for example to subscribe to events.</param>
    public static async Task<AgentRunner> StartAsync(
        int xdsPort, TimeProvider? time = null, string apiType = "GRPC", Action<IServiceProvider>? beforeStart = null)
    {
        var adminPort = LoopbackPorts.GetFree();
        var (bootstrap, errors) = BootstrapLoader.Parse(BootstrapYaml(xdsPort, adminPort, apiType), "test");
        Assert.True(bootstrap is not null, string.Join("; ", errors));
        var host = AgentHost.Build(bootstrap!, new AgentOptions { DrainTime = TimeSpan.FromSeconds(2) }, services =>
        {
            if (time is not null)
            {
                services.AddSingleton(time);
            }
        });
        beforeStart?.Invoke(host.Services);
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return new AgentRunner(host, adminPort);
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails the test after 10 s.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"timed out waiting until {what}");
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Host.StopAsync().WaitAsync(TimeSpan.FromSeconds(15));
        if (Host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else
        {
            Host.Dispose();
        }
    }
}
