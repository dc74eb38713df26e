using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tests.Shared;

namespace Agent.Tests.Support;

/// <summary>A real HTTP backend on loopback: returns its name, records request headers, and serves GET /healthz.</summary>
internal sealed class HttpBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpBackend(string name, int port, WebApplication app)
    {
        Name = name;
        Port = port;
        _app = app;
    }

    public string Name { get; }

    public int Port { get; }

    /// <summary>The status every request other than /healthz gets.</summary>
    public int StatusCode { get; set; } = 200;

    /// <summary>Whether /healthz returns 200 (true) or 503.</summary>
    public bool Healthy { get; set; } = true;

    public ConcurrentQueue<IHeaderDictionary> Requests { get; } = new();

    public int HealthChecks;

    public static async Task<HttpBackend> StartAsync(string name)
    {
        var port = LoopbackPorts.GetFree();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        var app = builder.Build();
        var backend = new HttpBackend(name, port, app);
        app.MapGet("/healthz", () =>
        {
            Interlocked.Increment(ref backend.HealthChecks);
            return backend.Healthy ? Results.Text("ok") : Results.StatusCode(503);
        });
        app.MapFallback(async context =>
        {
            backend.Requests.Enqueue(new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value)));
            context.Response.StatusCode = backend.StatusCode;
            await context.Response.WriteAsync(name);
        });
        await app.StartAsync();
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
