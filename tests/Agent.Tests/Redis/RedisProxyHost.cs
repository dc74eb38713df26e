using System.Net;
using Agent.Clusters;
using Agent.Listeners;
using Agent.Redis;
using Agent.Stats;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RedisProxyProto = Envoy.Extensions.Filters.Network.RedisProxy.V3.RedisProxy;

namespace Agent.Tests.Redis;

/// <summary>
/// A redis_proxy filter served on a free 127.0.0.1 port through Kestrel's socket transport, the way
/// the agent's listeners serve it: one <see cref="INetworkFilter.OnConnectionAsync"/> per accepted connection.
/// </summary>
internal sealed class RedisProxyHost : IAsyncDisposable
{
    private readonly IConnectionListener _listener;
    private readonly INetworkFilter _filter;
    private readonly CancellationTokenSource _draining = new();
    private readonly Task _acceptLoop;
    private readonly List<Task> _connections = [];

    private RedisProxyHost(IConnectionListener listener, INetworkFilter filter, StatsStore stats)
    {
        _listener = listener;
        _filter = filter;
        Stats = stats;
        _acceptLoop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.EndPoint).Port;

    public StatsStore Stats { get; }

    public static async Task<RedisProxyHost> StartAsync(RedisProxyProto config, IClusterManager clusters, RedisProxyOptions? options = null)
    {
        var stats = new StatsStore();
        var factory = new RedisProxyFilterFactory(Options.Create(options ?? new RedisProxyOptions()));
        var context = new NetworkFilterContext("redis_listener", clusters, stats, TimeProvider.System, NullLoggerFactory.Instance);
        var filter = factory.Create(Any.Pack(config), context);
        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance);
        var listener = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        return new RedisProxyHost(listener, filter, stats);
    }

    public long Counter(string name) => Stats.Counter(name).Value;

    public long Gauge(string name) => Stats.Gauge(name).Value;

    public Task<RespTestClient> ConnectAsync() => RespTestClient.ConnectAsync(Port);

    public async ValueTask DisposeAsync()
    {
        await _draining.CancelAsync();
        await _listener.UnbindAsync();
        await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(10));
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections).WaitAsync(TimeSpan.FromSeconds(10));
        await _filter.DisposeAsync();
        await _listener.DisposeAsync();
    }

    private async Task AcceptAsync()
    {
        while (await _listener.AcceptAsync() is { } connection)
        {
            lock (_connections)
            {
                _connections.Add(ServeAsync(connection));
            }
        }
    }

    private async Task ServeAsync(ConnectionContext connection)
    {
        try
        {
            await _filter.OnConnectionAsync(connection, _draining.Token);
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }
}
