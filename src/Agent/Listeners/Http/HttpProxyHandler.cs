using Agent.Clusters;
using Agent.Stats;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Agent.Listeners.Http;

/// <summary>
/// The router of one HTTP connection manager: matches the route, picks cluster and host, forwards
/// with YARP's <see cref="IHttpForwarder"/>, retries per the route's retry_policy and reports each
/// outcome to the host for outlier detection.
/// </summary>
internal sealed class HttpProxyHandler(
    Func<RouteTable?> routes,
    IClusterManager clusters,
    IHttpForwarder forwarder,
    UpstreamHttpClients clients,
    StatsStore stats,
    string statPrefix,
    TimeProvider time)
{
    private const string NoHealthyUpstream = "no healthy upstream";
    private const string ConnectFailure = "upstream connect error or disconnect/reset before headers. reset reason: connection failure";

    private readonly Counter _requests = stats.Counter($"http.{statPrefix}.downstream_rq_total");
    private readonly Counter _noRoute = stats.Counter($"http.{statPrefix}.no_route");
    private readonly Counter _noCluster = stats.Counter($"http.{statPrefix}.no_cluster");

    public async Task HandleAsync(HttpContext context)
    {
        _requests.Increment();
        var route = routes()?.Match(context.Request);
        if (route is null)
        {
            _noRoute.Increment();
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (route.DirectResponse is { } direct)
        {
            context.Response.StatusCode = direct.Status;
            await context.Response.WriteAsync(direct.Body);
            return;
        }

        await ForwardAsync(context, route.Target!);
    }

    private async Task ForwardAsync(HttpContext context, RouteTarget target)
    {
        if (clusters.GetCluster(target.PickCluster()) is not UpstreamCluster cluster)
        {
            _noCluster.Increment();
            await WriteLocalReplyAsync(context, StatusCodes.Status503ServiceUnavailable, NoHealthyUpstream);
            return;
        }

        using var slot = cluster.CircuitBreakers.TryStartRequest();
        if (slot is null)
        {
            context.Response.Headers["x-envoy-overloaded"] = "true";
            await WriteLocalReplyAsync(context, StatusCodes.Status503ServiceUnavailable, "upstream connect error or disconnect/reset before headers. reset reason: overflow");
            return;
        }

        // Retrying needs the request body again; only requests without one are retried.
        // TODO(http): buffer small request bodies so that POSTs can be retried as Envoy does.
        var retry = HasBody(context.Request) ? null : target.Retry;
        var retriesLeft = retry?.NumRetries ?? 0;
        var started = time.GetTimestamp();
        while (true)
        {
            var outcome = await SendOnceAsync(context, cluster, target, retriesLeft > 0 ? retry : null, started);
            if (outcome != AttemptOutcome.Retry)
            {
                return;
            }

            retriesLeft--;
            cluster.Stats.UpstreamRqRetry.Increment();
            ResetResponse(context);
        }
    }

    private enum AttemptOutcome
    {
        Done,
        Retry,
    }

    private async Task<AttemptOutcome> SendOnceAsync(HttpContext context, UpstreamCluster cluster, RouteTarget target, RetrySettings? retry, long started)
    {
        if (cluster.ChooseHost(target.ComputeHashKey(context)) is not UpstreamHost host)
        {
            await WriteLocalReplyAsync(context, StatusCodes.Status503ServiceUnavailable, NoHealthyUpstream);
            return AttemptOutcome.Done;
        }

        var transformer = new ProxyTransformer(host, cluster, target, retry, started, time);
        var config = new ForwarderRequestConfig { ActivityTimeout = target.Timeout > TimeSpan.Zero ? target.Timeout : TimeSpan.FromDays(1) };
        ForwarderError error;
        using (host.BeginRequest())
        {
            error = await forwarder.SendAsync(context, host.HttpDestination, clients.For(cluster), config, transformer);
        }

        if (transformer.SuppressedStatus is { } suppressed)
        {
            host.RecordHttpStatus(suppressed);
            return AttemptOutcome.Retry;
        }

        return await ClassifyAsync(context, cluster, host, error, retry);
    }

    private async Task<AttemptOutcome> ClassifyAsync(HttpContext context, UpstreamCluster cluster, UpstreamHost host, ForwarderError error, RetrySettings? retry)
    {
        switch (error)
        {
            case ForwarderError.None:
                host.RecordHttpStatus(context.Response.StatusCode);
                return AttemptOutcome.Done;
            case ForwarderError.RequestTimedOut:
                host.RecordLocalOriginFailure(LocalOriginFailure.Timeout);
                cluster.Stats.UpstreamRqTimeout.Increment();
                await WriteLocalReplyAsync(context, StatusCodes.Status504GatewayTimeout, "upstream request timeout");
                return AttemptOutcome.Done;
            case ForwarderError.Request:
                host.RecordLocalOriginFailure(LocalOriginFailure.ConnectFailed);
                if (retry is { RetriesConnectFailure: true } && !context.Response.HasStarted)
                {
                    return AttemptOutcome.Retry;
                }

                await WriteLocalReplyAsync(context, StatusCodes.Status503ServiceUnavailable, ConnectFailure);
                return AttemptOutcome.Done;
            case ForwarderError.ResponseHeaders or ForwarderError.ResponseBodyDestination or ForwarderError.RequestBodyDestination:
                host.RecordLocalOriginFailure(LocalOriginFailure.ConnectionReset);
                if (retry is { RetriesReset: true } && !context.Response.HasStarted)
                {
                    return AttemptOutcome.Retry;
                }

                await WriteLocalReplyAsync(context, StatusCodes.Status503ServiceUnavailable,
                    "upstream connect error or disconnect/reset before headers. reset reason: connection termination");
                return AttemptOutcome.Done;
            default:
                // The client went away or cancelled; nothing is the upstream's fault.
                return AttemptOutcome.Done;
        }
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;

    private static void ResetResponse(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.Headers.Clear();
        context.Features.Set<IForwarderErrorFeature>(null);
    }

    private static async Task WriteLocalReplyAsync(HttpContext context, int status, string body)
    {
        if (context.Response.HasStarted)
        {
            context.Abort();
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(body);
    }
}
