using Grpc.Core;
using ControlPlane.Snapshots;
using ControlPlane.Xds;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static ControlPlane.Tests.Xds.XdsTestSnapshots;

namespace ControlPlane.Tests.Xds;

public sealed class StreamLifecycleTests(ITestOutputHelper output)
{
    private const int Cycles = 2_000;
    private const int WarmUpCycles = 100;

    // The loop lets the server finish the streams it owes now and then, so the number of streams it
    // is still unwinding stays bounded however fast the client loops.
    private const int IdleEvery = 50;

    [Fact]
    public async Task StreamAggregatedResources_ServerStops_StreamEndsUnavailable()
    {
        var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web")]);
        using var client = server.OpenAds();
        await client.SubscribeAsync(TypeUrls.Cluster);
        await client.ReadAsync();

        // Without ending its streams, the host would wait out its 30 s shutdown timeout and then abort them.
        var stopping = server.Server.DisposeAsync().AsTask();
        var error = await Assert.ThrowsAsync<RpcException>(client.ReadAsync);
        await stopping.WaitAsync(XdsTestClient.Timeout);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("shutting down", error.Status.Detail);
        server.Channel.Dispose();
    }

    [Fact]
    public async Task StreamAggregatedResources_UnreadableMessage_EndsInvalidArgument()
    {
        await using var server = await XdsTestServer.StartAsync();
        var method = new Method<byte[], byte[]>(
            MethodType.DuplexStreaming,
            "envoy.service.discovery.v3.AggregatedDiscoveryService",
            "StreamAggregatedResources",
            Marshallers.Create(bytes => bytes, bytes => bytes),
            Marshallers.Create(bytes => bytes, bytes => bytes));
        using var call = server.Channel.CreateCallInvoker().AsyncDuplexStreamingCall(method, null, new CallOptions());

        // Field 1 (version_info) as a string whose length varint never ends.
        await call.RequestStream.WriteAsync([0x0a, 0xff, 0xff]).WaitAsync(XdsTestClient.Timeout);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(XdsTestClient.Timeout));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("could not be parsed", error.Status.Detail);
    }

    [Fact]
    public async Task StreamAggregatedResources_ManyReconnects_LeaveNothingBehind()
    {
        await using var server = await XdsTestServer.StartAsync();
        var registry = server.Server.Services.GetRequiredService<NodeRegistry>();
        Publish(server.Cache, 1, clusters: [EdsCluster("web")], endpoints: [Endpoints("web", 8081)]);

        // Warm-up: loads and JIT-compiles every path once, so the figures compare steady states.
        await RunCyclesAsync(server, registry, WarmUpCycles).WaitAsync(TimeSpan.FromMinutes(1));
        await WaitUntilIdleAsync(server, registry);
        var before = GC.GetTotalMemory(forceFullCollection: true);

        // Two halves: memory that grows with the cycle count grows again in the second half, while
        // pools that fill once (Kestrel's and the client's buffers) do not.
        await RunCyclesAsync(server, registry, Cycles / 2).WaitAsync(TimeSpan.FromMinutes(5));
        await WaitUntilIdleAsync(server, registry);
        var half = GC.GetTotalMemory(forceFullCollection: true);
        await RunCyclesAsync(server, registry, Cycles / 2).WaitAsync(TimeSpan.FromMinutes(5));
        await WaitUntilIdleAsync(server, registry);
        var after = GC.GetTotalMemory(forceFullCollection: true);

        output.WriteLine(
            $"reconnect cycles: {Cycles}; managed memory before: {before:N0} bytes; " +
            $"after {Cycles / 2}: {half:N0} bytes; after {Cycles}: {after:N0} bytes");
        Assert.Equal(0, server.Cache.WatcherCount);
        Assert.Equal(0, registry.NodeCount);
    }

    /// <summary>
    /// Runs connect/disconnect cycles, each on a new HTTP/2 connection with one ADS stream. A cycle
    /// subscribes to CDS and EDS and reads both responses. It then leaves in one of three ways:
    /// closing the request stream, cancelling the call, or sending garbage (a node without id).
    /// </summary>
    private static async Task RunCyclesAsync(XdsTestServer server, NodeRegistry registry, int cycles)
    {
        for (var i = 0; i < cycles; i++)
        {
            if (i % IdleEvery == 0)
            {
                await WaitUntilIdleAsync(server, registry);
            }

            using var channel = server.Server.CreateXdsChannel();
            using var client = server.OpenAds($"node-{i % 10}", channel);
            switch (i % 3)
            {
                case 0:
                    await SubscribeAsync(client);
                    await client.CompleteAsync();
                    break;
                case 1:
                    await SubscribeAsync(client);
                    break; // Disposing the call cancels it, as a client that goes away does.
                default:
                    await client.SendAsync(new Envoy.Service.Discovery.V3.DiscoveryRequest
                    {
                        TypeUrl = TypeUrls.Cluster,
                        Node = new Envoy.Config.Core.V3.Node(),
                    });
                    await Assert.ThrowsAsync<Grpc.Core.RpcException>(client.ReadAsync);
                    break;
            }
        }
    }

    private static async Task SubscribeAsync(XdsTestClient client)
    {
        await client.SubscribeAsync(TypeUrls.Cluster);
        await client.ReadAsync();
        await client.SubscribeAsync(TypeUrls.Endpoint, "web");
        await client.ReadAsync();
    }

    /// <summary>Waits until the server has finished every stream: a closed call's handler can still be unwinding.</summary>
    private static async Task WaitUntilIdleAsync(XdsTestServer server, NodeRegistry registry)
    {
        using var timeout = new CancellationTokenSource(XdsTestClient.Timeout);
        while (server.Cache.WatcherCount > 0 || registry.NodeCount > 0)
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
