using System.Net.Sockets;
using System.Text;
using Agent.Clusters;
using Agent.Stats;

namespace Agent.Health;

/// <summary>
/// Runs one health_checks entry against every host of a cluster, each interval. As in Envoy, a new
/// host starts failed (pending) until its first check, whose result decides at once. Later results
/// flip the host after unhealthy_threshold failures or healthy_threshold successes. Only network
/// failures and timeouts count towards unhealthy_threshold: an HTTP status outside expected_statuses
/// or a wrong Redis reply marks the host unhealthy at once, as Envoy's active failures do.
/// </summary>
internal sealed class ActiveHealthChecker : IAsyncDisposable
{
    private readonly HealthCheckSettings _settings;
    private readonly Func<IReadOnlyList<UpstreamHost>> _hosts;
    private readonly Func<OutlierDetector?> _outlier;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _clusterName;
    private readonly Counter _attempt, _success, _failure, _networkFailure;
    private readonly CancellationTokenSource _stopping = new();
    private readonly HttpClient _http;
    private Task? _loop;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ActiveHealthChecker(
        HealthCheckSettings settings,
        string clusterName,
        Func<IReadOnlyList<UpstreamHost>> hosts,
        Func<OutlierDetector?> outlier,
        StatsStore stats,
        TimeProvider time,
        ILogger logger)
    {
        _settings = settings;
        _clusterName = clusterName;
        _hosts = hosts;
        _outlier = outlier;
        _time = time;
        _logger = logger;
        _attempt = stats.Counter($"cluster.{clusterName}.health_check.attempt");
        _success = stats.Counter($"cluster.{clusterName}.health_check.success");
        _failure = stats.Counter($"cluster.{clusterName}.health_check.failure");
        _networkFailure = stats.Counter($"cluster.{clusterName}.health_check.network_failure");
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.Zero });
    }

    public void Start() => _loop = RunAsync(_stopping.Token);

    /// <summary>Runs the next round now instead of at the end of the interval, as Envoy checks a new host at once.</summary>
    public void CheckSoon() => _wake.TrySetResult();

    /// <summary>Checks every host once and applies the results; the loop calls it each interval.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var hosts = _hosts();
        var results = await Task.WhenAll(hosts.Select(h => CheckAsync(h, cancellationToken)));
        for (var i = 0; i < hosts.Count; i++)
        {
            Apply(hosts[i], results[i]);
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(cancellationToken);
                var wake = _wake.Task;
                await Task.WhenAny(Task.Delay(_settings.Interval, _time, cancellationToken), wake);
                cancellationToken.ThrowIfCancellationRequested();
                if (wake.IsCompleted)
                {
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task<CheckOutcome> CheckAsync(UpstreamHost host, CancellationToken cancellationToken)
    {
        _attempt.Increment();
        using var timeout = new CancellationTokenSource(_settings.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            return _settings.Kind switch
            {
                HealthCheckKind.Http => await CheckHttpAsync(host, linked.Token),
                HealthCheckKind.Tcp => await CheckTcpAsync(host, linked.Token) ? CheckOutcome.Passed : CheckOutcome.Failed,
                _ => await CheckRedisAsync(host, linked.Token) ? CheckOutcome.Passed : CheckOutcome.Rejected,
            };
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or HttpRequestException)
        {
            _networkFailure.Increment();
            AgentHealthLog.HealthCheckFailed(_logger, _clusterName, host.AddressText, e.Message);
            return CheckOutcome.Failed;
        }
    }

    private async Task<CheckOutcome> CheckHttpAsync(UpstreamHost host, CancellationToken cancellationToken)
    {
        var uri = new UriBuilder("http", host.IPAddress.Address.ToString(), host.IPAddress.Port, _settings.HttpPath).Uri;
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Host = _settings.HttpHost ?? _clusterName;
        request.Headers.UserAgent.ParseAdd("Envoy/HC");
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var status = (long)response.StatusCode;
        return _settings.ExpectedStatuses.Any(r => status >= r.Start && status < r.End) ? CheckOutcome.Passed : CheckOutcome.Rejected;
    }

    private async Task<bool> CheckTcpAsync(UpstreamHost host, CancellationToken cancellationToken)
    {
        using var socket = new Socket(host.IPAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(host.IPAddress, cancellationToken);
        if (_settings.TcpSend is { } send)
        {
            await socket.SendAsync(send, cancellationToken);
        }

        if (_settings.TcpReceive.Count == 0)
        {
            return true;
        }

        var expected = _settings.TcpReceive.SelectMany(b => b).ToArray();
        var received = await ReadAtLeastAsync(socket, expected.Length, cancellationToken);
        return received.AsSpan().IndexOf(expected) >= 0;
    }

    private async Task<bool> CheckRedisAsync(UpstreamHost host, CancellationToken cancellationToken)
    {
        using var socket = new Socket(host.IPAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(host.IPAddress, cancellationToken);
        var command = _settings.RedisKey is { } key
            ? $"*2\r\n$6\r\nEXISTS\r\n${Encoding.UTF8.GetByteCount(key)}\r\n{key}\r\n"
            : "*1\r\n$4\r\nPING\r\n";
        await socket.SendAsync(Encoding.UTF8.GetBytes(command), cancellationToken);
        var expected = _settings.RedisKey is null ? "+PONG\r\n" : ":0\r\n";
        var reply = await ReadAtLeastAsync(socket, expected.Length, cancellationToken);
        return Encoding.UTF8.GetString(reply) == expected;
    }

    private static async Task<byte[]> ReadAtLeastAsync(Socket socket, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Max(count, 512)];
        var total = 0;
        while (total < count)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(total), cancellationToken);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return buffer[..total];
    }

    private void Apply(UpstreamHost host, CheckOutcome outcome)
    {
        var passed = outcome == CheckOutcome.Passed;
        (passed ? _success : _failure).Increment();
        var pending = host.Flags.HasFlag(HostHealthFlags.PendingActiveHealthCheck);
        host.SetFlag(HostHealthFlags.PendingActiveHealthCheck, false);
        if (passed)
        {
            host.HealthCheckFailures = 0;
            host.HealthCheckSuccesses++;
            if (pending || host.HealthCheckSuccesses >= _settings.HealthyThreshold)
            {
                MarkHealthy(host);
            }

            // As in Envoy, a host that failed active health checking stays ejected until
            // healthy_threshold passes mark it healthy again.
            if (!host.Flags.HasFlag(HostHealthFlags.FailedActiveHealthCheck))
            {
                _outlier()?.OnActiveHealthCheckSuccess(host);
            }

            return;
        }

        host.HealthCheckSuccesses = 0;
        host.HealthCheckFailures++;
        if (pending || outcome == CheckOutcome.Rejected || host.HealthCheckFailures >= _settings.UnhealthyThreshold)
        {
            MarkUnhealthy(host);
        }
    }

    private void MarkHealthy(UpstreamHost host)
    {
        if (host.Flags.HasFlag(HostHealthFlags.FailedActiveHealthCheck))
        {
            host.SetFlag(HostHealthFlags.FailedActiveHealthCheck, false);
            AgentHealthLog.HostHealthChanged(_logger, _clusterName, host.AddressText, "healthy");
        }
    }

    private void MarkUnhealthy(UpstreamHost host)
    {
        if (!host.Flags.HasFlag(HostHealthFlags.FailedActiveHealthCheck))
        {
            host.SetFlag(HostHealthFlags.FailedActiveHealthCheck, true);
            AgentHealthLog.HostHealthChanged(_logger, _clusterName, host.AddressText, "unhealthy");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _http.Dispose();
        _stopping.Dispose();
    }

    private enum CheckOutcome
    {
        Passed,

        // The connection failed or the check timed out.
        Failed,

        // The host replied, but with a status outside expected_statuses or an unexpected Redis reply.
        Rejected,
    }
}
