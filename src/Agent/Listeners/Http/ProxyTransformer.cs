using System.Globalization;
using Agent.Clusters;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Agent.Listeners.Http;

/// <summary>
/// Rewrites one proxied request and its response. It keeps the client's Host unless the route
/// rewrites it, appends the client address to X-Forwarded-For and sets X-Real-IP, which is what
/// nginx and HAProxy pass to a backend. A response that the retry policy will retry is not sent.
/// </summary>
internal sealed class ProxyTransformer(
    UpstreamHost host,
    UpstreamCluster cluster,
    RouteTarget target,
    RetrySettings? retryIfAttemptsLeft,
    long startTimestamp,
    TimeProvider time) : HttpTransformer
{
    /// <summary>The status of a response that was not sent to the client because it will be retried.</summary>
    public int? SuppressedStatus { get; private set; }

    public override async ValueTask TransformRequestAsync(
        HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        proxyRequest.Options.Set(UpstreamHttpClients.HostKey, host);
        proxyRequest.Options.Set(UpstreamHttpClients.ClusterKey, cluster);
        proxyRequest.Headers.Host = target.HostRewriteLiteral
            ?? (target.AutoHostRewrite ? host.AddressText : httpContext.Request.Host.Value);

        var client = httpContext.Connection.RemoteIpAddress?.ToString();
        if (client is not null)
        {
            var forwarded = httpContext.Request.Headers["X-Forwarded-For"].ToString();
            proxyRequest.Headers.Remove("X-Forwarded-For");
            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-For", forwarded.Length == 0 ? client : $"{forwarded}, {client}");
            proxyRequest.Headers.Remove("X-Real-IP");
            proxyRequest.Headers.TryAddWithoutValidation("X-Real-IP", client);
        }

        proxyRequest.Headers.Remove("X-Forwarded-Proto");
        proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Proto", httpContext.Request.Scheme);
        if (target.PrefixRewrite is { } rewrite && target.MatchedPrefix is { } prefix)
        {
            var path = httpContext.Request.Path.Value ?? "/";
            var rewritten = rewrite + path[Math.Min(prefix.Length, path.Length)..];
            proxyRequest.RequestUri = RequestUtilities.MakeDestinationAddress(destinationPrefix, new PathString(rewritten), httpContext.Request.QueryString);
        }
    }

    public override async ValueTask<bool> TransformResponseAsync(
        HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is not null && retryIfAttemptsLeft is { } retry && retry.RetriesStatus((int)proxyResponse.StatusCode))
        {
            SuppressedStatus = (int)proxyResponse.StatusCode;
            return false;
        }

        var copyBody = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (proxyResponse is not null)
        {
            var elapsed = time.GetElapsedTime(startTimestamp).TotalMilliseconds;
            httpContext.Response.Headers["x-envoy-upstream-service-time"] = ((long)elapsed).ToString(CultureInfo.InvariantCulture);
        }

        return copyBody;
    }
}
