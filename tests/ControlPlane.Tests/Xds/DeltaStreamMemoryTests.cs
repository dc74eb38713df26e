using ControlPlane.Snapshots;
using Grpc.Net.Client;
using Xunit.Abstractions;
using static ControlPlane.Tests.Xds.DeltaAdsStreamTests;
using static ControlPlane.Tests.Xds.XdsTestSnapshots;

namespace ControlPlane.Tests.Xds;

/// <summary>Measures the managed heap of the whole process, so it runs alone: no other test allocates meanwhile.</summary>
[CollectionDefinition(nameof(DeltaStreamMemoryTests), DisableParallelization = true)]
public sealed class DeltaStreamMemoryCollection;

[Collection(nameof(DeltaStreamMemoryTests))]
public sealed class DeltaStreamMemoryTests(ITestOutputHelper output)
{
    // The control plane's memory budget per node, for 10,000 nodes on one instance. The figure
    // measured here also counts the in-process client's side of each stream, so the server's
    // share is smaller than what is asserted.
    private const long MaxBytesPerStream = 32 * 1024;

    // Kestrel allows 100 concurrent streams per HTTP/2 connection by default.
    private const int Channels = 5;
    private const int StreamsPerChannel = 80;
    private const int Clusters = 50;

    [Fact]
    public async Task DeltaAggregatedResources_ManyStreams_UnderBudgetEach()
    {
        await using var server = await XdsTestServer.StartAsync();
        var names = Enumerable.Range(0, Clusters).Select(i => $"cluster-{i}").ToList();
        Publish(server.Cache, 1, clusters: names.Select(n => EdsCluster(n)), endpoints: names.Select((n, i) => Endpoints(n, 10_000 + i)));
        var channels = Enumerable.Range(0, Channels).Select(_ => server.Server.CreateXdsChannel()).ToList();
        var clients = new List<DeltaTestClient>();
        try
        {
            // Warm-up: one stream per channel opens the HTTP/2 connections and JIT-compiles every path.
            await ConnectAsync(clients, channels, 1);
            var before = GC.GetTotalMemory(forceFullCollection: true);
            await ConnectAsync(clients, channels, StreamsPerChannel - 1);
            var after = GC.GetTotalMemory(forceFullCollection: true);

            var streams = Channels * (StreamsPerChannel - 1);
            var perStream = (after - before) / streams;
            output.WriteLine($"{streams} delta streams (CDS wildcard over {Clusters} clusters, EDS for 2 names): " +
                $"{after - before:N0} bytes of managed heap, {perStream:N0} bytes per stream, client and server side together");
            Assert.InRange(perStream, 0, MaxBytesPerStream);
        }
        finally
        {
            clients.ForEach(client => client.Dispose());
            channels.ForEach(channel => channel.Dispose());
        }
    }

    private static async Task ConnectAsync(List<DeltaTestClient> clients, List<GrpcChannel> channels, int streamsPerChannel)
    {
        for (var i = 0; i < streamsPerChannel; i++)
        {
            foreach (var channel in channels)
            {
                var client = new DeltaTestClient(
                    new Envoy.Service.Discovery.V3.AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel).DeltaAggregatedResources(),
                    $"node-{clients.Count}");
                clients.Add(client);
                await SubscribeAndReadAsync(client, TypeUrls.Cluster);
                await SubscribeAndReadAsync(client, TypeUrls.Endpoint, "cluster-1", $"cluster-{clients.Count % Clusters}");
                await client.AckAsync(TypeUrls.Endpoint);
                client.ForgetResponses();
            }
        }
    }
}
