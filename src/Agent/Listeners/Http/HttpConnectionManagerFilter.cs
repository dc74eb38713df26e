using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Agent.Listeners.Http;

/// <summary>
/// Serves HTTP/1.1 on a listener's connections with a Kestrel server of its own, whose transport is
/// the listener itself (<see cref="HandoffTransport"/>). With RDS it warms until its route
/// configuration arrives.
/// </summary>
internal sealed class HttpConnectionManagerFilter : INetworkFilter, IWarmingFilter
{
    private readonly string _listenerName;
    private readonly HttpProxyHandler _handler;
    private readonly RouteConfigStore.RouteSubscription? _subscription;
    private readonly ILoggerFactory _loggers;
    private readonly HandoffTransport _transport = new();
    private readonly SemaphoreSlim _startLock = new(1, 1);
    private WebApplication? _server;
    private readonly object _stopLock = new();
    private Task? _stopping;

    public HttpConnectionManagerFilter(string listenerName, HttpProxyHandler handler, RouteConfigStore.RouteSubscription? subscription, ILoggerFactory loggers)
    {
        _listenerName = listenerName;
        _handler = handler;
        _subscription = subscription;
        _loggers = loggers;
    }

    public Task WhenReady => _subscription?.WhenReady ?? Task.CompletedTask;

    public async Task OnConnectionAsync(ConnectionContext connection, CancellationToken draining)
    {
        await EnsureStartedAsync();

        // A draining listener stops the server: Kestrel then closes idle keep-alive connections
        // and lets requests in flight finish.
        using var registration = draining.Register(() => _ = StopServerAsync());
        await _transport.ServeAsync(connection, CancellationToken.None);
    }

    private Task StopServerAsync()
    {
        lock (_stopLock)
        {
            return _stopping ??= StopCoreAsync();
        }
    }

    private async Task StopCoreAsync()
    {
        if (Volatile.Read(ref _server) is { } server)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await server.StopAsync(timeout.Token);
        }
    }

    private async Task EnsureStartedAsync()
    {
        if (Volatile.Read(ref _server) is not null)
        {
            return;
        }

        await _startLock.WaitAsync();
        try
        {
            if (_server is null)
            {
                var server = Build();
                await server.StartAsync();
                Volatile.Write(ref _server, server);
            }
        }
        finally
        {
            _startLock.Release();
        }
    }

    private WebApplication Build()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddSingleton(_loggers);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(new HandoffEndPoint(_listenerName), listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Services.RemoveAll<IConnectionListenerFactory>();
        builder.Services.AddSingleton<IConnectionListenerFactory>(_transport);
        var app = builder.Build();
        app.Run(_handler.HandleAsync);
        return app;
    }

    public async ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        _transport.Complete();
        await StopServerAsync();
        if (_server is { } server)
        {
            await server.DisposeAsync();
        }
    }
}
