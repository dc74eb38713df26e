using System.Globalization;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tests.Shared;

namespace Agent.Tests.Support;

/// <summary>
/// A small state-of-the-world ADS server on loopback for driving the agent's ADS client: it keeps
/// one version of each type, responds to every subscription change with the resources requested and
/// records every request the agent sends (ACKs and NACKs included).
/// </summary>
internal sealed class TestAdsServer : AggregatedDiscoveryService.AggregatedDiscoveryServiceBase, IAsyncDisposable
{
    private readonly object _lock = new();
    private readonly Dictionary<string, (string Version, Dictionary<string, Any> Resources)> _snapshot = [];
    private readonly List<Stream> _streams = [];
    private readonly List<DiscoveryRequest> _requests = [];
    private readonly CancellationTokenSource _shutdown = new();
    private WebApplication? _app;
    private int _nonce;

    public int Port { get; private set; }

    public IReadOnlyList<DiscoveryRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return _requests.ToList();
            }
        }
    }

    public int StreamCount
    {
        get
        {
            lock (_lock)
            {
                return _streams.Count;
            }
        }
    }

    public static async Task<TestAdsServer> StartAsync(int? port = null)
    {
        var server = new TestAdsServer();
        await server.StartServerAsync(port ?? LoopbackPorts.GetFree());
        return server;
    }

    private async Task StartServerAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(this);
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        _app = builder.Build();
        _app.MapGrpcService<TestAdsServer>();
        await _app.StartAsync();
        Port = port;
    }

    public async Task StopAsync()
    {
        // Ends open streams first: Kestrel would otherwise wait for them until its shutdown timeout.
        _shutdown.Cancel();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public void Publish(string typeUrl, string version, IEnumerable<IMessage> resources)
    {
        List<Stream> streams;
        lock (_lock)
        {
            _snapshot[typeUrl] = (version, resources.ToDictionary(NameOf, r => Any.Pack(r)));
            streams = _streams.ToList();
        }

        foreach (var stream in streams)
        {
            _ = stream.SendIfSubscribedAsync(this, typeUrl);
        }
    }

    public void PublishClusters(string version, params Cluster[] clusters) => Publish(Types.Cluster, version, clusters);

    public void PublishEndpoints(string version, params ClusterLoadAssignment[] endpoints) => Publish(Types.Endpoint, version, endpoints);

    public void PublishListeners(string version, params Listener[] listeners) => Publish(Types.Listener, version, listeners);

    public void PublishRoutes(string version, params RouteConfiguration[] routes) => Publish(Types.Route, version, routes);

    /// <summary>Waits (polling, at most <paramref name="timeout"/>) for a request that satisfies the predicate.</summary>
    public async Task<DiscoveryRequest> WaitForRequestAsync(Func<DiscoveryRequest, bool> predicate, TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var match = Requests.FirstOrDefault(predicate);
            if (match is not null)
            {
                return match;
            }

            if (cancellation.IsCancellationRequested)
            {
                throw new TimeoutException("the agent sent no matching discovery request");
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }

    public Task<DiscoveryRequest> WaitForAckAsync(string typeUrl, string version) =>
        WaitForRequestAsync(r => r.TypeUrl == typeUrl && r.VersionInfo == version && r.ErrorDetail is null && r.ResponseNonce != "");

    public Task<DiscoveryRequest> WaitForNackAsync(string typeUrl) =>
        WaitForRequestAsync(r => r.TypeUrl == typeUrl && r.ErrorDetail is not null);

    public override async Task StreamAggregatedResources(
        IAsyncStreamReader<DiscoveryRequest> requestStream, IServerStreamWriter<DiscoveryResponse> responseStream, ServerCallContext context)
    {
        var stream = new Stream(responseStream);
        lock (_lock)
        {
            _streams.Add(stream);
        }

        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _shutdown.Token);
        try
        {
            await foreach (var request in requestStream.ReadAllAsync(ended.Token))
            {
                lock (_lock)
                {
                    _requests.Add(request);
                }

                if (stream.Subscribe(request))
                {
                    await stream.SendIfSubscribedAsync(this, request.TypeUrl);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (_lock)
            {
                _streams.Remove(stream);
            }
        }
    }

    private DiscoveryResponse? BuildResponse(string typeUrl, IReadOnlySet<string> names)
    {
        lock (_lock)
        {
            if (!_snapshot.TryGetValue(typeUrl, out var current))
            {
                return null;
            }

            var response = new DiscoveryResponse
            {
                TypeUrl = typeUrl,
                VersionInfo = current.Version,
                Nonce = (++_nonce).ToString(CultureInfo.InvariantCulture),
            };
            var wildcard = typeUrl is Types.Cluster or Types.Listener;
            response.Resources.AddRange(current.Resources.Where(r => wildcard || names.Contains(r.Key)).Select(r => r.Value));
            return response;
        }
    }

    private static string NameOf(IMessage message) => message switch
    {
        Cluster c => c.Name,
        ClusterLoadAssignment e => e.ClusterName,
        Listener l => l.Name,
        RouteConfiguration r => r.Name,
        _ => throw new ArgumentException($"unexpected resource {message.Descriptor.FullName}"),
    };

    public async ValueTask DisposeAsync() => await StopAsync();

    private sealed class Stream(IServerStreamWriter<DiscoveryResponse> writer)
    {
        private readonly SemaphoreSlim _writeLock = new(1, 1);
        private readonly Dictionary<string, HashSet<string>> _subscriptions = [];

        /// <summary>Records the request's names; true when the server should respond to it (a new or changed subscription).</summary>
        public bool Subscribe(DiscoveryRequest request)
        {
            lock (_subscriptions)
            {
                var names = request.ResourceNames.ToHashSet();
                var known = _subscriptions.TryGetValue(request.TypeUrl, out var previous);
                _subscriptions[request.TypeUrl] = names;
                return request.ResponseNonce == "" || !known || !previous!.SetEquals(names);
            }
        }

        public async Task SendIfSubscribedAsync(TestAdsServer server, string typeUrl)
        {
            HashSet<string>? names;
            lock (_subscriptions)
            {
                _subscriptions.TryGetValue(typeUrl, out names);
            }

            if (names is null || server.BuildResponse(typeUrl, names) is not { } response)
            {
                return;
            }

            await _writeLock.WaitAsync();
            try
            {
                await writer.WriteAsync(response);
            }
            catch (InvalidOperationException)
            {
                // The stream ended while the publish was in flight.
            }
            finally
            {
                _writeLock.Release();
            }
        }
    }

    public static class Types
    {
        public const string Cluster = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
        public const string Endpoint = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
        public const string Listener = "type.googleapis.com/envoy.config.listener.v3.Listener";
        public const string Route = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
    }
}
