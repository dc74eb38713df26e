using Grpc.Core;

namespace ControlPlane.Xds;

/// <summary>
/// Ends every open xDS stream with UNAVAILABLE when the host starts to stop, and holds up the web
/// server's shutdown until each stream's closing status is written and the client has had a moment to
/// read it. Without the wait, a client can see the connection close instead of UNAVAILABLE.
/// </summary>
/// <remarks>
/// The host calls <see cref="StoppingAsync"/> on every lifecycle service before it stops any hosted
/// service, the web server included, so the streams end while their connections are still open.
/// </remarks>
internal sealed class StreamDrain : IHostedLifecycleService, IDisposable
{
    // Bounds the wait for streams whose clients do not read their closing status.
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

    // Kestrel closes a connection once its last stream is complete. .NET's HTTP/2 client can then
    // report the closed connection instead of a status it received but had not yet read (seen in
    // this project's shutdown tests under CPU load), so the server waits a little longer.
    private static readonly TimeSpan StatusReadGrace = TimeSpan.FromMilliseconds(250);

    private readonly CancellationTokenSource _stopping;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger _logger;
    private int _open;

    public StreamDrain(IHostApplicationLifetime lifetime, ILogger<StreamDrain> logger)
    {
        _stopping = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping);
        _logger = logger;
    }

    /// <summary>A token that fires when open streams must end.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Counts the stream of <paramref name="context"/> as open until its response, trailers included, is complete.</summary>
    public void Track(ServerCallContext context)
    {
        Interlocked.Increment(ref _open);
        context.GetHttpContext().Response.OnCompleted(() =>
        {
            if (Interlocked.Decrement(ref _open) == 0 && _stopping.IsCancellationRequested)
            {
                _drained.TrySetResult();
            }

            return Task.CompletedTask;
        });
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (Volatile.Read(ref _open) == 0)
        {
            return;
        }

        try
        {
            await _drained.Task.WaitAsync(MaxWait, cancellationToken);
            await Task.Delay(StatusReadGrace, cancellationToken);
        }
        catch (TimeoutException)
        {
            XdsLog.StreamsStillOpen(_logger, Volatile.Read(ref _open), MaxWait.TotalSeconds);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _stopping.Dispose();
}
