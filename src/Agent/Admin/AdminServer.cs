using System.Text;
using System.Text.RegularExpressions;
using Agent.Bootstrap;
using Agent.Clusters;
using Agent.Listeners;
using Agent.Listeners.Http;
using Agent.Stats;
using Agent.Xds;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Agent.Admin;

/// <summary>The admin interface on the bootstrap's admin address: /ready, /clusters, /config_dump, /stats, /stats/prometheus and an HTML page at /.</summary>
internal sealed class AdminServer(
    AgentBootstrap bootstrap,
    ClusterManager clusters,
    ListenerManager listeners,
    RouteConfigStore routes,
    XdsStatus status,
    StatsStore stats,
    ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public int Port { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddSingleton(loggers);
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(bootstrap.AdminAddress, listen => listen.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        Map(app);
        await app.StartAsync(cancellationToken);
        _app = app;
        Port = new Uri(app.Urls.First()).Port;
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/ready", () => IsReady
            ? Results.Text("LIVE\n")
            : Results.Text("PRE_INITIALIZING\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/clusters", () => Results.Text(ClustersText.Format(clusters.Clusters)));
        app.MapGet("/config_dump", () => Results.Text(
            ConfigDump.Build(clusters, listeners, routes, status).ToJsonString(new() { WriteIndented = true }), "application/json"));
        app.MapGet("/stats", (string? filter) => FormatStats(filter));
        app.MapGet("/stats/prometheus", () => Results.Text(PrometheusFormatter.Format(stats), "text/plain; version=0.0.4"));
        app.MapGet("/", () => Results.Content(StatusPage.Render(clusters.Clusters, listeners.Listeners, IsReady), "text/html"));
    }

    private bool IsReady => status.InitialFetch.IsCompleted;

    private IResult FormatStats(string? filter)
    {
        Regex? regex = null;
        try
        {
            regex = string.IsNullOrEmpty(filter) ? null : new Regex(filter, RegexOptions.NonBacktracking);
        }
        catch (ArgumentException e)
        {
            return Results.Text($"invalid filter regex '{filter}': {e.Message}\n", statusCode: StatusCodes.Status400BadRequest);
        }

        var lines = stats.Counters.Select(c => (c.Key, c.Value.Value))
            .Concat(stats.Gauges.Select(g => (g.Key, g.Value.Value)))
            .Where(s => regex?.IsMatch(s.Key) ?? true)
            .OrderBy(s => s.Key, StringComparer.Ordinal);
        var text = new StringBuilder();
        foreach (var (name, value) in lines)
        {
            text.Append(name).Append(": ").Append(value).Append('\n');
        }

        return Results.Text(text.ToString());
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
