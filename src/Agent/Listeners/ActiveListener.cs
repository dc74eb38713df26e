using System.Collections.Concurrent;
using System.Net;
using Agent.Stats;
using Envoy.Config.Listener.V3;
using Microsoft.AspNetCore.Connections;

namespace Agent.Listeners;

internal enum ListenerState
{
    Warming,
    Active,
    Draining,
}

/// <summary>
/// One listener at one version: binds its address with Kestrel's socket transport and hands each
/// accepted connection to its terminal network filter. Draining stops accepting, cancels the filter's
/// draining token and lets connections finish until the drain time is over.
/// </summary>
internal sealed class ActiveListener : IAsyncDisposable
{
    private readonly IConnectionListenerFactory _transport;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _draining = new();
    private readonly ConcurrentDictionary<ConnectionContext, Task> _connections = new();
    private readonly Counter _cxTotal;
    private readonly Gauge _cxActive;
    private IConnectionListener? _listener;
    private Task? _acceptLoop;

    public ActiveListener(Listener source, IPEndPoint address, INetworkFilter filter, string version,
        IConnectionListenerFactory transport, StatsStore stats, TimeProvider time, ILogger logger)
    {
        Source = source;
        Address = address;
        Filter = filter;
        Version = version;
        _transport = transport;
        _time = time;
        _logger = logger;
        var statName = $"listener.{address.Address}_{address.Port}";
        _cxTotal = stats.Counter(statName + ".downstream_cx_total");
        _cxActive = stats.Gauge(statName + ".downstream_cx_active");
    }

    public string Name => Source.Name;

    public Listener Source { get; }

    public IPEndPoint Address { get; }

    public INetworkFilter Filter { get; }

    public string Version { get; }

    public ListenerState State { get; private set; } = ListenerState.Warming;

    /// <summary>The port actually bound (differs from <see cref="Address"/> when it asked for port 0).</summary>
    public int BoundPort => (_listener?.EndPoint as IPEndPoint)?.Port ?? Address.Port;

    public async Task BindAsync()
    {
        _listener = await _transport.BindAsync(Address);
        State = ListenerState.Active;
        _acceptLoop = AcceptLoopAsync(_listener);
    }

    private async Task AcceptLoopAsync(IConnectionListener listener)
    {
        while (await listener.AcceptAsync() is { } connection)
        {
            _cxTotal.Increment();
            _cxActive.Increment();
            _connections[connection] = ServeAsync(connection);
        }
    }

    private async Task ServeAsync(ConnectionContext connection)
    {
        await Task.Yield();
        try
        {
            await Filter.OnConnectionAsync(connection, _draining.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            ListenerLog.ConnectionFailed(_logger, Name, connection.RemoteEndPoint?.ToString() ?? "", e);
        }
        finally
        {
            await connection.DisposeAsync();
            _cxActive.Decrement();
            _connections.TryRemove(connection, out _);
        }
    }

    /// <summary>Stops accepting; connections already accepted keep going.</summary>
    public async Task StopAcceptingAsync()
    {
        if (_listener is { } listener)
        {
            await listener.UnbindAsync();
        }

        if (_acceptLoop is not null)
        {
            await _acceptLoop;
        }
    }

    /// <summary>Stops accepting, then waits up to <paramref name="drainTime"/> for open connections before aborting them.</summary>
    public async Task DrainAsync(TimeSpan drainTime)
    {
        State = ListenerState.Draining;
        await StopAcceptingAsync();
        _draining.Cancel();
        var open = _connections.Values.ToArray();
        using var timeout = new CancellationTokenSource();
        var finished = Task.WhenAll(open);
        var elapsed = Task.Delay(drainTime, _time, timeout.Token);
        if (await Task.WhenAny(finished, elapsed) == elapsed)
        {
            foreach (var connection in _connections.Keys)
            {
                connection.Abort(new ConnectionAbortedException("listener drain time is over"));
            }
        }

        timeout.Cancel();
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_listener is { } listener)
        {
            await listener.DisposeAsync();
        }

        await Filter.DisposeAsync();
    }
}

/// <summary>Log messages of listeners (event ids 400-499).</summary>
internal static partial class ListenerLog
{
    [LoggerMessage(EventId = 400, EventName = "ConnectionFailed", Level = LogLevel.Warning,
        Message = "Listener {Listener}: connection from {Remote} failed")]
    public static partial void ConnectionFailed(ILogger logger, string listener, string remote, Exception exception);

    [LoggerMessage(EventId = 401, EventName = "ListenerActive", Level = LogLevel.Information,
        Message = "Listener {Listener} at version {Version} accepts connections on {Address}")]
    public static partial void ListenerActive(ILogger logger, string listener, string version, string address);

    [LoggerMessage(EventId = 402, EventName = "ListenerWarming", Level = LogLevel.Information,
        Message = "Listener {Listener} at version {Version} is warming until its route configuration arrives")]
    public static partial void ListenerWarming(ILogger logger, string listener, string version);

    [LoggerMessage(EventId = 403, EventName = "ListenerDraining", Level = LogLevel.Information,
        Message = "Listener {Listener} at version {Version} is draining")]
    public static partial void ListenerDraining(ILogger logger, string listener, string version);

    [LoggerMessage(EventId = 404, EventName = "ListenerBindFailed", Level = LogLevel.Error,
        Message = "Listener {Listener} could not bind {Address}")]
    public static partial void ListenerBindFailed(ILogger logger, string listener, string address, Exception exception);
}
