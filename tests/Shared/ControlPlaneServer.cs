using ControlPlane;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Grpc.Net.Client;

namespace Tests.Shared;

/// <summary>
/// A real control plane on loopback: its xDS and API ports are free ports, its store a file in a
/// temporary folder that is deleted on dispose unless <see cref="StorePath"/> was given.
/// </summary>
public sealed class ControlPlaneServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string? _ownedFolder;

    private ControlPlaneServer(WebApplication app, int xdsPort, int apiPort, string storePath, string? ownedFolder)
    {
        _app = app;
        XdsPort = xdsPort;
        ApiPort = apiPort;
        StorePath = storePath;
        _ownedFolder = ownedFolder;
        Api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}") };
    }

    public int XdsPort { get; }

    public int ApiPort { get; }

    public string StorePath { get; }

    /// <summary>An HTTP client whose base address is the operator API.</summary>
    public HttpClient Api { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a control plane. Pass <paramref name="storePath"/> to reopen an existing store.</summary>
    public static async Task<ControlPlaneServer> StartAsync(
        string? storePath = null,
        int? xdsPort = null,
        int? apiPort = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        string? ownedFolder = null;
        if (storePath is null)
        {
            ownedFolder = Directory.CreateTempSubdirectory("controlplane-test-").FullName;
            storePath = Path.Combine(ownedFolder, "store.db");
        }

        var xds = xdsPort ?? LoopbackPorts.GetFree();
        var api = apiPort ?? LoopbackPorts.GetFree();
        var app = ControlPlaneApp.Create([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ControlPlane:ListenAddress"] = "127.0.0.1",
                ["ControlPlane:XdsPort"] = xds.ToString(),
                ["ControlPlane:ApiPort"] = api.ToString(),
                ["ControlPlane:StorePath"] = storePath,
                ["Logging:LogLevel:Default"] = "Warning",
            });
            configure?.Invoke(builder);
        });

        await app.StartAsync();
        return new ControlPlaneServer(app, xds, api, storePath, ownedFolder);
    }

    /// <summary>A gRPC channel to the xDS port (h2c).</summary>
    public GrpcChannel CreateXdsChannel() => GrpcChannel.ForAddress($"http://127.0.0.1:{XdsPort}");

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_ownedFolder is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_ownedFolder, recursive: true);
        }
    }
}
