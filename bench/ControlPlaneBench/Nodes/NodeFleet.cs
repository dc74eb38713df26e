using System.Diagnostics;
using Envoy.Service.Discovery.V3;
using Grpc.Net.Client;

namespace ControlPlaneBench.Nodes;

/// <summary>
/// The simulated nodes of one run, each with its own HTTP/2 connection (its own
/// <see cref="SocketsHttpHandler"/> and <see cref="GrpcChannel"/>) and its own ADS stream.
/// </summary>
internal sealed class NodeFleet : IAsyncDisposable
{
    private readonly List<(SimulatedNode Node, GrpcChannel Channel, Task Run)> _nodes = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly string _mode;
    private readonly string _xdsUrl;

    public NodeFleet(string mode, int xdsPort)
    {
        _mode = mode;
        _xdsUrl = $"http://127.0.0.1:{xdsPort}";
    }

    public PushTracker Tracker { get; } = new();

    public IEnumerable<SimulatedNode> Nodes => _nodes.Select(entry => entry.Node);

    /// <summary>
    /// Connects <paramref name="count"/> nodes, at most <paramref name="concurrency"/> at a time
    /// (a node counts until it is ready), and waits until every node is ready or has failed.
    /// Returns the number of ready nodes; throws when <paramref name="timeout"/> passes first.
    /// </summary>
    public async Task<int> ConnectAsync(int count, int concurrency, TimeSpan timeout)
    {
        using var slots = new SemaphoreSlim(concurrency);
        using var deadline = new CancellationTokenSource(timeout);
        var readiness = new List<Task>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                await slots.WaitAsync(deadline.Token);
                var node = Start(i);
                readiness.Add(node.Ready);
                _ = node.Ready.ContinueWith(_ => slots.Release(), TaskScheduler.Default);
                if (i % 1_000 == 999)
                {
                    Console.WriteLine($"bench:   {i + 1} nodes started");
                }
            }

            await Task.WhenAll(readiness).WaitAsync(deadline.Token);
        }
        catch (Exception) when (!deadline.IsCancellationRequested)
        {
            // Some nodes failed; ReportFailures counts them.
        }
        catch (OperationCanceledException)
        {
            var ready = readiness.Count(task => task.IsCompletedSuccessfully);
            throw new BenchException($"connecting timed out after {timeout.TotalSeconds}s: {readiness.Count} of {count} nodes started, {ready} ready");
        }

        ReportFailures(readiness);
        return readiness.Count(task => task.IsCompletedSuccessfully);
    }

    /// <summary>Waits until every ready node has ACKed push <paramref name="push"/>; returns how many did in time.</summary>
    public async Task<int> WaitForAcksAsync(int push, TimeSpan timeout)
    {
        var ready = Nodes.Where(node => node.Ready.IsCompletedSuccessfully).ToList();
        var elapsed = Stopwatch.StartNew();
        while (elapsed.Elapsed < timeout)
        {
            if (ready.All(node => node.Counters.LastPushAcked == push))
            {
                return ready.Count;
            }

            await Task.Delay(10);
        }

        var acked = ready.Count(node => node.Counters.LastPushAcked == push);
        Console.WriteLine($"bench:   push {push} timed out after {timeout.TotalSeconds}s: {acked} of {ready.Count} nodes ACKed it");
        return acked;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        var all = Task.WhenAll(_nodes.Select(entry => entry.Run));
        if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(60))) != all)
        {
            Console.WriteLine("bench: warning: some nodes did not stop within 60s of cancelling their streams");
        }

        foreach (var (_, channel, _) in _nodes)
        {
            channel.Dispose();
        }

        _stop.Dispose();
    }

    private SimulatedNode Start(int index)
    {
        var id = $"bench-node-{index}";
        SimulatedNode node = _mode == "delta" ? new DeltaNode(id, Tracker) : new SotwNode(id, Tracker);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            EnableMultipleHttp2Connections = false,
        };
        var channel = GrpcChannel.ForAddress(_xdsUrl, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,

            // The churn run's state-of-the-world responses carry 10,000 resources, past the 4 MB default.
            MaxReceiveMessageSize = null,
        });
        var client = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel);
        var run = Task.Run(() => node.RunAsync(client, _stop.Token));
        _nodes.Add((node, channel, run));
        return node;
    }

    private static void ReportFailures(List<Task> readiness)
    {
        var failures = readiness.Where(task => task.IsFaulted).Select(task => task.Exception!.InnerException!.Message).ToList();
        if (failures.Count > 0)
        {
            Console.WriteLine($"bench:   {failures.Count} nodes failed; the first error: {failures[0]}");
        }
    }
}
