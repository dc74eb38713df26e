using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Agent.Clusters;
using Agent.Redis.Protocol;

namespace Agent.Redis.Upstream;

/// <summary>
/// One pipelined connection to one Redis host, shared by every client of a filter as Envoy shares
/// one connection per host per worker. Replies complete requests in the order they were written.
/// When no reply arrives within op_timeout of the last one, the host gets a timeout failure and the
/// connection closes; closing fails only this connection's pending requests with "upstream failure".
/// </summary>
internal sealed class UpstreamConnection
{
    private readonly IUpstreamHost _host;
    private readonly IUpstreamCluster _cluster;
    private readonly TimeSpan _opTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _maxBulkBytes;
    private readonly Channel<byte[][]> _writes = Channel.CreateUnbounded<byte[][]>(new() { SingleReader = true });
    private readonly ITimer _opTimer;

    // Lock order: _lock is a leaf lock. It guards _pending, _connected and _closed, so that the order
    // of the pending queue always equals the order of the commands in _writes.
    private readonly Lock _lock = new();
    private readonly Queue<PendingReply> _pending = new();
    private bool _connected;
    private bool _closed;
    private Socket? _socket;
    private IDisposable? _connectionSlot;
    private IDisposable? _connectionCount;

    private UpstreamConnection(IUpstreamHost host, IUpstreamCluster cluster, TimeSpan opTimeout, TimeProvider time, ILogger logger, long maxBulkBytes)
    {
        _host = host;
        _cluster = cluster;
        _opTimeout = opTimeout;
        _time = time;
        _logger = logger;
        _maxBulkBytes = maxBulkBytes;
        _opTimer = time.CreateTimer(_ => OnOpTimeout(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public bool IsClosed
    {
        get
        {
            lock (_lock)
            {
                return _closed;
            }
        }
    }

    /// <summary>Starts connecting; commands sent before the connection is up wait in order.</summary>
    public static UpstreamConnection Open(IUpstreamHost host, IUpstreamCluster cluster, TimeSpan opTimeout, TimeProvider time, ILogger logger, long maxBulkBytes)
    {
        var connection = new UpstreamConnection(host, cluster, opTimeout, time, logger, maxBulkBytes);
        _ = Task.Run(connection.RunAsync);
        return connection;
    }

    /// <summary>
    /// Queues a command, encoded when the write loop sends it. The task completes with its reply or
    /// with a proxy error, never with an exception; either way both leases are disposed first.
    /// </summary>
    public Task<RespValue> SendAsync(byte[][] command, IDisposable requestSlot, IDisposable hostRequest)
    {
        var pending = new PendingReply(requestSlot, hostRequest);
        lock (_lock)
        {
            if (!_closed)
            {
                _pending.Enqueue(pending);
                _writes.Writer.TryWrite(command);
                if (_connected && _pending.Count == 1)
                {
                    _opTimer.Change(_opTimeout, Timeout.InfiniteTimeSpan);
                }

                return pending.Task;
            }
        }

        pending.Complete(RespValue.ProxyError(ProxyErrors.UpstreamFailure));
        return pending.Task;
    }

    public void Close() => Close("closed by the proxy", hostFailure: null);

    private async Task RunAsync()
    {
        if (!await ConnectAsync())
        {
            return;
        }

        await using var stream = new NetworkStream(_socket!, ownsSocket: false);
        var writing = WriteLoopAsync(stream);
        var reading = ReadLoopAsync(stream);
        await Task.WhenAny(writing, reading);
        Close("connection lost", LocalOriginFailure.ConnectionReset);
        await Task.WhenAll(writing, reading);
    }

    private async Task<bool> ConnectAsync()
    {
        _connectionSlot = _cluster.CircuitBreakers.TryOpenConnection();
        if (_connectionSlot is null)
        {
            Close("max_connections reached", hostFailure: null);
            return false;
        }

        _connectionCount = _host.BeginConnection();
        _socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(_cluster.ConnectTimeout, _time);
        try
        {
            await _socket.ConnectAsync(_host.Address, timeout.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            var timedOut = exception is OperationCanceledException;
            var reason = timedOut ? $"connect_timeout {_cluster.ConnectTimeout} elapsed" : exception.Message;
            _logger.UpstreamConnectFailed(_cluster.Name, _host.AddressText, reason);
            _host.RecordLocalOriginFailure(timedOut ? LocalOriginFailure.Timeout : LocalOriginFailure.ConnectFailed);
            Close(reason, hostFailure: null);
            return false;
        }

        _host.RecordSuccess();
        lock (_lock)
        {
            _connected = true;
            if (_pending.Count > 0)
            {
                _opTimer.Change(_opTimeout, Timeout.InfiniteTimeSpan);
            }
        }

        return true;
    }

    private async Task WriteLoopAsync(NetworkStream stream)
    {
        var batch = new ArrayBufferWriter<byte>();
        var commands = _writes.Reader;
        try
        {
            while (await commands.WaitToReadAsync())
            {
                // Everything queued so far goes out in one write, which is what makes pipelining cheap.
                batch.ResetWrittenCount();
                while (batch.WrittenCount < 64 * 1024 && commands.TryRead(out var command))
                {
                    RespWriter.WriteCommand(batch, command);
                }

                await stream.WriteAsync(batch.WrittenMemory);
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or SocketException)
        {
            // The read loop or Close reports the failure; the socket is gone either way.
        }
    }

    private async Task ReadLoopAsync(NetworkStream stream)
    {
        var input = PipeReader.Create(stream);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();
                var reader = new SequenceReader<byte>(result.Buffer);
                var status = ParseReplies(ref reader);
                input.AdvanceTo(reader.Position, result.Buffer.End);
                if (status == ParseStatus.Invalid)
                {
                    Close("the server sent an invalid reply", hostFailure: null);
                    return;
                }

                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or SocketException)
        {
            // Reset or closed by Close: RunAsync reports it.
        }
        finally
        {
            await input.CompleteAsync();
        }
    }

    private ParseStatus ParseReplies(ref SequenceReader<byte> reader)
    {
        while (true)
        {
            var status = RespReplyParser.TryParse(ref reader, _maxBulkBytes, out var reply);
            if (status != ParseStatus.Complete)
            {
                return status;
            }

            if (!TryCompleteNext(reply!))
            {
                return ParseStatus.Invalid;
            }
        }
    }

    private bool TryCompleteNext(RespValue reply)
    {
        PendingReply? pending;
        lock (_lock)
        {
            if (!_pending.TryDequeue(out pending))
            {
                return false;
            }

            // Like Envoy, op_timeout restarts on every reply while requests are still pending.
            var next = _pending.Count > 0 ? _opTimeout : Timeout.InfiniteTimeSpan;
            _opTimer.Change(next, Timeout.InfiniteTimeSpan);
        }

        _host.RecordSuccess();
        pending.Complete(reply);
        return true;
    }

    private void OnOpTimeout()
    {
        int count;
        lock (_lock)
        {
            count = _pending.Count;
            if (_closed || count == 0)
            {
                return;
            }
        }

        _logger.UpstreamTimeout(_cluster.Name, _host.AddressText, _opTimeout, count);
        _host.RecordLocalOriginFailure(LocalOriginFailure.Timeout);
        Close("op_timeout elapsed", hostFailure: null);
    }

    /// <summary>Closes once: fails every pending request and releases the socket and the connection's slots.</summary>
    private void Close(string reason, LocalOriginFailure? hostFailure)
    {
        PendingReply[] failed;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            failed = _pending.ToArray();
            _pending.Clear();
        }

        _writes.Writer.TryComplete();
        _opTimer.Dispose();
        _socket?.Dispose();
        _connectionSlot?.Dispose();
        _connectionCount?.Dispose();
        if (failed.Length > 0)
        {
            _logger.UpstreamClosed(_cluster.Name, _host.AddressText, reason, failed.Length);
            if (hostFailure is { } failure)
            {
                _host.RecordLocalOriginFailure(failure);
            }
        }

        foreach (var pending in failed)
        {
            pending.Complete(RespValue.ProxyError(ProxyErrors.UpstreamFailure));
        }
    }

    /// <summary>
    /// A command waiting for its reply. It is its own completion source, and holds its two leases as
    /// fields, to keep the objects allocated per command few. Its continuation (a client's reply
    /// writer) runs on the thread pool: run inline, it would find the next reply of a pipelined batch
    /// not yet complete and flush once per reply instead of once per batch.
    /// </summary>
    private sealed class PendingReply(IDisposable requestSlot, IDisposable hostRequest)
        : TaskCompletionSource<RespValue>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public void Complete(RespValue value)
        {
            hostRequest.Dispose();
            requestSlot.Dispose();
            TrySetResult(value);
        }
    }
}
