using System.Collections.Concurrent;
using System.Net.Sockets;
using Agent.Clusters;

namespace Agent.Listeners.Http;

/// <summary>
/// One pooled HTTP client per cluster and connect timeout. Its connect callback counts each new
/// upstream connection on the host the request was sent to (upstream_cx_total, cx_active,
/// cx_connect_fail) and takes a max_connections slot for as long as the connection lives.
/// </summary>
internal sealed class UpstreamHttpClients : IDisposable
{
    public static readonly HttpRequestOptionsKey<UpstreamHost> HostKey = new("agent.upstream_host");
    public static readonly HttpRequestOptionsKey<UpstreamCluster> ClusterKey = new("agent.upstream_cluster");

    private readonly ConcurrentDictionary<(string Cluster, TimeSpan Timeout), HttpMessageInvoker> _clients = new();

    public HttpMessageInvoker For(UpstreamCluster cluster) =>
        _clients.GetOrAdd((cluster.Name, cluster.ConnectTimeout), key => Create(key.Timeout));

    private static HttpMessageInvoker Create(TimeSpan connectTimeout)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = connectTimeout,
            ConnectCallback = ConnectAsync,
            ActivityHeadersPropagator = null,
        };
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        context.InitialRequestMessage.Options.TryGetValue(HostKey, out var host);
        context.InitialRequestMessage.Options.TryGetValue(ClusterKey, out var cluster);
        var slot = cluster?.CircuitBreakers.TryOpenConnection();
        if (cluster is not null && slot is null)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError, "upstream max_connections overflow");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            slot?.Dispose();
            throw;
        }

        var counted = host?.BeginConnection();
        return new CountedNetworkStream(socket, counted, slot);
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }

    private sealed class CountedNetworkStream(Socket socket, IDisposable? connection, IDisposable? slot) : NetworkStream(socket, ownsSocket: true)
    {
        protected override void Dispose(bool disposing)
        {
            connection?.Dispose();
            slot?.Dispose();
            base.Dispose(disposing);
        }
    }
}
