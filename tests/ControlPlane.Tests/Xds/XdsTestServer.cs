using System.Globalization;
using System.Text.Json;
using ControlPlane.Snapshots;
using Envoy.Service.Discovery.V3;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Tests.Shared;

namespace ControlPlane.Tests.Xds;

/// <summary>A real control plane with one gRPC channel to its xDS port, and helpers to read its API.</summary>
internal sealed class XdsTestServer : IAsyncDisposable
{
    private XdsTestServer(ControlPlaneServer server)
    {
        Server = server;
        Channel = server.CreateXdsChannel();
        Cache = server.Services.GetRequiredService<SnapshotCache>();
    }

    public ControlPlaneServer Server { get; }

    public GrpcChannel Channel { get; }

    public SnapshotCache Cache { get; }

    /// <summary>
    /// Starts a control plane on free ports. A port that LoopbackPorts returned can be taken before
    /// the server binds it (by a client connection's local port, for one), so a bind that fails
    /// with "address in use" is tried again on new ports, up to three times.
    /// </summary>
    public static async Task<XdsTestServer> StartAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return new(await ControlPlaneServer.StartAsync().WaitAsync(XdsTestClient.Timeout));
            }
            catch (IOException exception) when (attempt < 3 && exception.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
            }
        }
    }

    /// <summary>Opens an ADS stream on <paramref name="channel"/>, or on the shared channel when it is null.</summary>
    public XdsTestClient OpenAds(string nodeId = "node-1", GrpcChannel? channel = null, string nodeCluster = "test-cluster") =>
        new(new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel ?? Channel).StreamAggregatedResources(), nodeId, nodeCluster);

    /// <summary>Opens a delta ADS stream on <paramref name="channel"/>, or on the shared channel when it is null.</summary>
    public DeltaTestClient OpenDeltaAds(string nodeId = "node-1", GrpcChannel? channel = null) =>
        new(new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel ?? Channel).DeltaAggregatedResources(), nodeId);

    /// <summary>GET /api/v1/nodes, parsed.</summary>
    public async Task<JsonElement> GetNodesAsync()
    {
        var body = await Server.Api.GetStringAsync("/api/v1/nodes").WaitAsync(XdsTestClient.Timeout);
        return JsonDocument.Parse(body).RootElement;
    }

    /// <summary>
    /// Polls GET /api/v1/nodes until <paramref name="condition"/> holds for the node's entry, and
    /// returns that entry. The server updates the registry on its stream loop, after the client's
    /// write returned, so a read right after a write can still see the previous state.
    /// </summary>
    public async Task<JsonElement> WaitForNodeAsync(string nodeId, Func<JsonElement, bool> condition)
    {
        using var timeout = new CancellationTokenSource(XdsTestClient.Timeout);
        while (true)
        {
            var nodes = await GetNodesAsync();
            var node = nodes.EnumerateArray().FirstOrDefault(n => n.GetProperty("id").GetString() == nodeId);
            if (node.ValueKind == JsonValueKind.Object && condition(node))
            {
                return node;
            }

            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>Reads one sample from /metrics, e.g. <c>xds_acks_total{type_url="..."}</c>; 0 when the series does not exist yet.</summary>
    public async Task<double> ReadMetricAsync(string series)
    {
        var text = await Server.Api.GetStringAsync("/metrics").WaitAsync(XdsTestClient.Timeout);
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await Server.DisposeAsync();
    }
}
