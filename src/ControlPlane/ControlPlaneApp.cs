using ControlPlane.Api;
using ControlPlane.Xds;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;

namespace ControlPlane;

/// <summary>Builds the control plane's web application: the xDS port, the operator API port and their services.</summary>
public static class ControlPlaneApp
{
    /// <param name="configure">Lets tests replace settings or services before the app is built.</param>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        ExportRuntimeMetersOnly();
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);

        var options = builder.Configuration.GetSection(ControlPlaneOptions.SectionName).Get<ControlPlaneOptions>()
            ?? new ControlPlaneOptions();
        builder.Services.Configure<ControlPlaneOptions>(builder.Configuration.GetSection(ControlPlaneOptions.SectionName));

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var address = System.Net.IPAddress.Parse(options.ListenAddress);
            kestrel.Listen(address, options.XdsPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(address, options.ApiPort, listen => listen.Protocols = HttpProtocols.Http1);
        });

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddXdsServer();
        builder.Services.AddOperatorApi();

        var app = builder.Build();

        // Errors that no endpoint writes (unknown path, wrong method, a malformed request line)
        // still get an application/problem+json body, like the API's own errors.
        app.UseStatusCodePages();
        app.MapXdsServer(options.XdsPort);
        app.MapNodesApi(options.ApiPort);
        app.MapOperatorApi(options.ApiPort);
        app.MapMetrics("/metrics").RequireHost($"*:{options.ApiPort}");
        return app;
    }

    // prometheus-net bridges each measurement of every .NET Meter, Kestrel's per-connection ones
    // included. In one profile with 10,000 connected nodes that bridge and its lock took about 5%
    // of the samples. The runtime's meter is only read on a scrape, so it stays.
    private static void ExportRuntimeMetersOnly()
    {
        if (Interlocked.Exchange(ref _meterAdapterConfigured, 1) == 0)
        {
            Metrics.ConfigureMeterAdapter(adapter =>
                adapter.InstrumentFilterPredicate = instrument => instrument.Meter.Name == "System.Runtime");
        }
    }

    private static int _meterAdapterConfigured;
}
