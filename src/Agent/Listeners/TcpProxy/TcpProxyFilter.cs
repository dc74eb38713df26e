using System.IO.Pipelines;
using System.Net.Sockets;
using Agent.Clusters;
using Agent.Stats;
using Microsoft.AspNetCore.Connections;

namespace Agent.Listeners.TcpProxy;

/// <summary>
/// Connects each downstream connection to a host of the cluster (within its connect_timeout) and
/// copies bytes both ways until either side closes or the connection is idle for idle_timeout.
/// </summary>
internal sealed class TcpProxyFilter(
    string statPrefix,
    IReadOnlyList<(string Cluster, int Weight)> clusters,
    TimeSpan idleTimeout,
    NetworkFilterContext context) : INetworkFilter
{
    private readonly Counter _downstreamTotal = context.Stats.Counter($"tcp.{statPrefix}.downstream_cx_total");
    private readonly Counter _noRoute = context.Stats.Counter($"tcp.{statPrefix}.downstream_cx_no_route");
    private readonly Counter _idleTimeouts = context.Stats.Counter($"tcp.{statPrefix}.idle_timeout");
    private readonly Counter _connectFailures = context.Stats.Counter($"tcp.{statPrefix}.upstream_cx_connect_fail");

    public async Task OnConnectionAsync(ConnectionContext connection, CancellationToken draining)
    {
        _downstreamTotal.Increment();
        if (context.Clusters.GetCluster(PickCluster()) is not { } cluster)
        {
            _noRoute.Increment();
            return;
        }

        using var slot = cluster.CircuitBreakers.TryOpenConnection();
        if (slot is null || cluster.ChooseHost() is not { } host)
        {
            return;
        }

        using var socket = await ConnectAsync(cluster, host, connection.ConnectionClosed);
        if (socket is null)
        {
            return;
        }

        host.RecordSuccess();
        using var counted = host.BeginConnection();
        await PipeAsync(connection, socket);
    }

    private string PickCluster()
    {
        if (clusters.Count == 1)
        {
            return clusters[0].Cluster;
        }

        var pick = Random.Shared.Next(clusters.Sum(c => c.Weight));
        foreach (var (name, weight) in clusters)
        {
            if (pick < weight)
            {
                return name;
            }

            pick -= weight;
        }

        return clusters[^1].Cluster;
    }

    private async Task<Socket?> ConnectAsync(IUpstreamCluster cluster, IUpstreamHost host, CancellationToken closed)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(cluster.ConnectTimeout, context.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, closed);
        try
        {
            await socket.ConnectAsync(host.Address, linked.Token);
            return socket;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            if (closed.IsCancellationRequested)
            {
                return null;
            }

            _connectFailures.Increment();
            host.RecordLocalOriginFailure(timeout.IsCancellationRequested ? LocalOriginFailure.Timeout : LocalOriginFailure.ConnectFailed);
            return null;
        }
    }

    private async Task PipeAsync(ConnectionContext connection, Socket socket)
    {
        await using var upstream = new NetworkStream(socket, ownsSocket: false);
        using var done = new CancellationTokenSource();
        var lastActivity = context.Time.GetTimestamp();
        void Touch() => Interlocked.Exchange(ref lastActivity, context.Time.GetTimestamp());

        var toUpstream = CopyAsync(connection.Transport.Input, upstream, Touch, done.Token);
        var toDownstream = CopyAsync(PipeReader.Create(upstream), connection.Transport.Output.AsStream(), Touch, done.Token);
        var idle = WatchIdleAsync(() => Interlocked.Read(ref lastActivity), done.Token);
        await Task.WhenAny(toUpstream, toDownstream, idle);
        done.Cancel();
        socket.Shutdown(SocketShutdown.Both);
        await Task.WhenAll(Quietly(toUpstream), Quietly(toDownstream), Quietly(idle));
    }

    private static async Task CopyAsync(PipeReader reader, Stream writer, Action touch, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            foreach (var segment in result.Buffer)
            {
                await writer.WriteAsync(segment, cancellationToken);
            }

            touch();
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return;
            }
        }
    }

    private async Task WatchIdleAsync(Func<long> lastActivity, CancellationToken cancellationToken)
    {
        while (true)
        {
            var idleFor = context.Time.GetElapsedTime(lastActivity());
            if (idleFor >= idleTimeout)
            {
                _idleTimeouts.Increment();
                return;
            }

            await Task.Delay(idleTimeout - idleFor, context.Time, cancellationToken);
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
