using System.Net;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ControlPlane.Tests.Conformance;

/// <summary>
/// A real gRPC server on a free loopback port that serves grpc.health.v1.Health/Check and names
/// itself in the response header <c>backend-name</c>, so that a client can tell which backend served a call.
/// </summary>
internal sealed class GrpcBackend : IAsyncDisposable
{
    public const string NameHeader = "backend-name";

    private readonly WebApplication _app;

    private GrpcBackend(WebApplication app, string name, int port)
    {
        _app = app;
        Name = name;
        Port = port;
    }

    public string Name { get; }

    public int Port { get; }

    public static async Task<GrpcBackend> StartAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(new NamedHealthService(name));

        var app = builder.Build();
        app.MapGrpcService<NamedHealthService>();
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new GrpcBackend(app, name, new Uri(address).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await _app.DisposeAsync();
    }

    private sealed class NamedHealthService(string name) : Health.HealthBase
    {
        public override async Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
        {
            await context.WriteResponseHeadersAsync(new Metadata { { NameHeader, name } });
            return new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.Serving };
        }
    }
}
