using System.Net;
using System.Text;
using System.Text.Json;
using Agent.Tests.Support;
using Agent.Xds;
using Microsoft.Extensions.Time.Testing;
using Tests.Shared;
using Types = Agent.Tests.Support.TestAdsServer.Types;

namespace Agent.Tests.Xds;

/// <summary>The agent with api_type DELTA_GRPC against a real control plane on loopback.</summary>
public sealed class DeltaAdsClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Start_DeltaBootstrap_SubscribesWildcardAndWarmsClusters()
    {
        await using var controlPlane = await ControlPlaneServer.StartAsync().WaitAsync(Timeout);
        var port = LoopbackPorts.GetFree();
        await PutClusterAsync(controlPlane, "web", port);
        DeltaTraffic? traffic = null;

        await using var agent = await AgentRunner.StartAsync(
            controlPlane.XdsPort, apiType: "DELTA_GRPC", beforeStart: services => traffic = DeltaTraffic.Attach(services));
        await AgentRunner.WaitUntilAsync(() => agent.Clusters.GetCluster("web") is not null, "cluster web warms");
        var cds = await traffic!.WaitForRequestAsync(1, r => r.TypeUrl == Types.Cluster, "the CDS subscription");
        var lds = await traffic.WaitForRequestAsync(1, r => r.TypeUrl == Types.Listener, "the LDS subscription");
        var eds = await traffic.WaitForRequestAsync(1, r => r.TypeUrl == Types.Endpoint, "the EDS subscription");
        var cdsResponse = await traffic.WaitForResponseAsync(1, r => r.TypeUrl == Types.Cluster, "the CDS response");

        Assert.Equal("agent-test", cds.Node.Id);
        Assert.Empty(cds.ResourceNamesSubscribe);
        Assert.Empty(cds.InitialResourceVersions);
        Assert.Null(lds.Node);
        Assert.Empty(lds.ResourceNamesSubscribe);
        Assert.Equal(["web"], eds.ResourceNamesSubscribe);
        Assert.Equal($"127.0.0.1:{port}", agent.Clusters.GetCluster("web")!.ChooseHost()!.AddressText);
        Assert.Equal(cdsResponse.SystemVersionInfo, agent.Get<XdsStatus>().Types[Types.Cluster].Version);
    }

    [Fact]
    public async Task PutEndpoints_ThroughApi_OnlyEdsDeltaMovesHost()
    {
        await using var controlPlane = await ControlPlaneServer.StartAsync().WaitAsync(Timeout);
        await PutClusterAsync(controlPlane, "web", LoopbackPorts.GetFree());
        await PutClusterAsync(controlPlane, "api", LoopbackPorts.GetFree());
        DeltaTraffic? traffic = null;
        await using var agent = await AgentRunner.StartAsync(
            controlPlane.XdsPort, apiType: "DELTA_GRPC", beforeStart: services => traffic = DeltaTraffic.Attach(services));
        await AgentRunner.WaitUntilAsync(() => agent.Clusters.Clusters.Count(c => c.IsWarm) == 2, "both clusters warm");
        await traffic!.WaitForRequestAsync(1, r => r.TypeUrl == Types.Endpoint && r.ResponseNonce.Length > 0, "the first EDS ACK");
        var responsesBefore = traffic.Responses(1).Count;

        var newPort = LoopbackPorts.GetFree();
        await PutEndpointsAsync(controlPlane, "web", newPort);
        await AgentRunner.WaitUntilAsync(
            () => agent.Clusters.GetCluster("web")!.ChooseHost()?.AddressText == $"127.0.0.1:{newPort}", "cluster web moves to the new port");
        var pushed = traffic.Responses(1).Skip(responsesBefore).ToList();

        var eds = Assert.Single(pushed);
        Assert.Equal(Types.Endpoint, eds.TypeUrl);
        Assert.Equal(["web"], eds.Resources.Select(r => r.Name));
        Assert.Empty(eds.RemovedResources);
        Assert.Equal(["api", "web"], agent.Clusters.Clusters.Select(c => c.Name));
    }

    [Fact]
    public async Task DeleteCluster_ThroughApi_RemovesItAndUnsubscribesEds()
    {
        await using var controlPlane = await ControlPlaneServer.StartAsync().WaitAsync(Timeout);
        await PutClusterAsync(controlPlane, "web", LoopbackPorts.GetFree());
        await PutClusterAsync(controlPlane, "api", LoopbackPorts.GetFree());
        DeltaTraffic? traffic = null;
        await using var agent = await AgentRunner.StartAsync(
            controlPlane.XdsPort, apiType: "DELTA_GRPC", beforeStart: services => traffic = DeltaTraffic.Attach(services));
        await AgentRunner.WaitUntilAsync(() => agent.Clusters.Clusters.Count(c => c.IsWarm) == 2, "both clusters warm");

        using var deleted = await controlPlane.Api.DeleteAsync("/api/v1/clusters/api").WaitAsync(Timeout);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await AgentRunner.WaitUntilAsync(() => agent.Clusters.GetCluster("api") is null, "cluster api is removed");
        var removal = await traffic!.WaitForResponseAsync(
            1, r => r.TypeUrl == Types.Cluster && r.RemovedResources.Count > 0, "the CDS response that removes api");
        var unsubscribe = await traffic.WaitForRequestAsync(
            1, r => r.TypeUrl == Types.Endpoint && r.ResourceNamesUnsubscribe.Count > 0, "the EDS unsubscribe");

        Assert.Equal(["api"], removal.RemovedResources);
        Assert.Empty(removal.Resources);
        Assert.Equal(["api"], unsubscribe.ResourceNamesUnsubscribe);
        Assert.Empty(unsubscribe.ResourceNamesSubscribe);
        Assert.Empty(unsubscribe.ResponseNonce);
        Assert.Equal(["web"], agent.Clusters.Clusters.Select(c => c.Name));
        Assert.Equal(["web"], traffic.Protocol.ResourceVersions(Types.Endpoint).Keys);
    }

    [Fact]
    public async Task UnsupportedCluster_Nacked_KeepsPreviousConfig()
    {
        await using var controlPlane = await ControlPlaneServer.StartAsync().WaitAsync(Timeout);
        await PutClusterAsync(controlPlane, "web", LoopbackPorts.GetFree());
        DeltaTraffic? traffic = null;
        await using var agent = await AgentRunner.StartAsync(
            controlPlane.XdsPort, apiType: "DELTA_GRPC", beforeStart: services => traffic = DeltaTraffic.Attach(services));
        await AgentRunner.WaitUntilAsync(() => agent.Clusters.GetCluster("web") is not null, "cluster web warms");
        var status = agent.Get<XdsStatus>();
        var acceptedVersion = status.Types[Types.Cluster].Version;
        var heldVersions = traffic!.Protocol.ResourceVersions(Types.Cluster);

        await PutClusterAsync(controlPlane, "bad", LoopbackPorts.GetFree(), "lb_policy: MAGLEV");
        var nack = await traffic.WaitForRequestAsync(1, r => r.TypeUrl == Types.Cluster && r.ErrorDetail is not null, "the CDS NACK");
        var rejected = await traffic.WaitForResponseAsync(1, r => r.Nonce == nack.ResponseNonce, "the rejected CDS response");

        Assert.Equal(["bad"], rejected.Resources.Select(r => r.Name));
        Assert.Contains("cluster 'bad'.lb_policy", nack.ErrorDetail.Message);
        Assert.Equal(["web"], agent.Clusters.Clusters.Select(c => c.Name));
        Assert.Equal(acceptedVersion, status.Types[Types.Cluster].Version);
        Assert.Contains("cluster 'bad'.lb_policy", status.Types[Types.Cluster].LastNack);
        Assert.Equal(heldVersions, traffic.Protocol.ResourceVersions(Types.Cluster));
        var serverNack = await ServerNackMessageAsync(controlPlane, "cds");
        Assert.Contains("cluster 'bad'.lb_policy", serverNack);
    }

    [Fact]
    public async Task ControlPlaneRestart_Reconnect_SendsHeldVersionsAndGetsOnlyChanges()
    {
        var storeFolder = Directory.CreateTempSubdirectory("delta-agent-store-").FullName;
        try
        {
            await RestartAndResumeAsync(Path.Combine(storeFolder, "store.db"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(storeFolder, recursive: true);
        }
    }

    private static async Task RestartAndResumeAsync(string storePath)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var controlPlane = await ControlPlaneServer.StartAsync(storePath).WaitAsync(Timeout);
        var (xdsPort, apiPort) = (controlPlane.XdsPort, controlPlane.ApiPort);
        await PutClusterAsync(controlPlane, "web", LoopbackPorts.GetFree());
        await PutClusterAsync(controlPlane, "api", LoopbackPorts.GetFree());
        DeltaTraffic? traffic = null;
        await using var agent = await AgentRunner.StartAsync(
            xdsPort, time, "DELTA_GRPC", services => traffic = DeltaTraffic.Attach(services));
        var delays = new List<TimeSpan>();
        agent.Get<AdsClient>().ReconnectScheduled += d => { lock (delays) { delays.Add(d); } };
        await AgentRunner.WaitUntilAsync(() => agent.Clusters.Clusters.Count(c => c.IsWarm) == 2, "both clusters warm");
        var heldClusters = traffic!.Protocol.ResourceVersions(Types.Cluster);
        var heldEndpoints = traffic.Protocol.ResourceVersions(Types.Endpoint);

        // The agent waits on the fake clock, so the endpoint change lands before it reconnects.
        await controlPlane.DisposeAsync().AsTask().WaitAsync(Timeout);
        await AgentRunner.WaitUntilAsync(() => { lock (delays) { return delays.Count == 1; } }, "the agent schedules a reconnect");
        await using var restarted = await ControlPlaneServer.StartAsync(storePath, xdsPort, apiPort).WaitAsync(Timeout);
        var newPort = LoopbackPorts.GetFree();
        await PutEndpointsAsync(restarted, "web", newPort);
        time.Advance(delays[0]);

        var cds = await traffic.WaitForRequestAsync(2, r => r.TypeUrl == Types.Cluster, "the CDS request of the new stream");
        var eds = await traffic.WaitForRequestAsync(2, r => r.TypeUrl == Types.Endpoint, "the EDS request of the new stream");
        var cdsResponse = await traffic.WaitForResponseAsync(2, r => r.TypeUrl == Types.Cluster, "the CDS response of the new stream");
        var edsResponse = await traffic.WaitForResponseAsync(2, r => r.TypeUrl == Types.Endpoint, "the EDS response of the new stream");
        await AgentRunner.WaitUntilAsync(
            () => agent.Clusters.GetCluster("web")!.ChooseHost()?.AddressText == $"127.0.0.1:{newPort}", "cluster web moves to the new port");

        Assert.Equal(2, heldClusters.Count);
        Assert.Equal(heldClusters.OrderBy(v => v.Key), cds.InitialResourceVersions.OrderBy(v => v.Key));
        Assert.Empty(cds.ResourceNamesSubscribe);
        Assert.Equal(["api", "web"], eds.ResourceNamesSubscribe);
        Assert.Equal(heldEndpoints.OrderBy(v => v.Key), eds.InitialResourceVersions.OrderBy(v => v.Key));
        Assert.Empty(cdsResponse.Resources);
        Assert.Empty(cdsResponse.RemovedResources);
        Assert.Equal(["web"], edsResponse.Resources.Select(r => r.Name));
        Assert.Equal(["api", "web"], agent.Clusters.Clusters.Select(c => c.Name));
    }

    /// <summary>Polls GET /api/v1/nodes until the agent's type shows a last_nack and returns its message.</summary>
    private static async Task<string> ServerNackMessageAsync(ControlPlaneServer controlPlane, string type)
    {
        string? message = null;
        var deadline = DateTime.UtcNow + Timeout;
        while (message is null && DateTime.UtcNow < deadline)
        {
            var body = await controlPlane.Api.GetStringAsync("/api/v1/nodes").WaitAsync(Timeout);
            using var json = JsonDocument.Parse(body);
            message = json.RootElement.EnumerateArray()
                .Where(node => node.GetProperty("id").GetString() == "agent-test")
                .Select(node => node.GetProperty("types").TryGetProperty(type, out var status) ? status : default)
                .Where(status => status.ValueKind == JsonValueKind.Object && status.GetProperty("last_nack").ValueKind == JsonValueKind.Object)
                .Select(status => status.GetProperty("last_nack").GetProperty("message").GetString())
                .FirstOrDefault();
            if (message is null)
            {
                await Task.Delay(50);
            }
        }

        return message ?? throw new TimeoutException($"timed out waiting for a {type} last_nack in /api/v1/nodes");
    }

    private static async Task PutClusterAsync(ControlPlaneServer controlPlane, string name, int port, string extra = "")
    {
        var yaml = $$"""
            name: {{name}}
            connect_timeout: 1s
            {{extra}}
            load_assignment:
              cluster_name: {{name}}
              endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{port}} } } } } ] } ]
            """;
        await PutYamlAsync(controlPlane, $"/api/v1/clusters/{name}", yaml);
    }

    private static Task PutEndpointsAsync(ControlPlaneServer controlPlane, string cluster, int port) =>
        PutYamlAsync(
            controlPlane,
            $"/api/v1/clusters/{cluster}/endpoints",
            $$"""endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{port}} } } } } ] } ]""");

    private static async Task PutYamlAsync(ControlPlaneServer controlPlane, string path, string yaml)
    {
        using var content = new StringContent(yaml, Encoding.UTF8, "application/yaml");
        using var response = await controlPlane.Api.PutAsync(path, content).WaitAsync(Timeout);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"PUT {path} returned {(int)response.StatusCode}: {body}");
    }
}
