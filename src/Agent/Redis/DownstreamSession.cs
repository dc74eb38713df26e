using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using Agent.Redis.Commands;
using Agent.Redis.Protocol;
using Microsoft.AspNetCore.Connections;

namespace Agent.Redis;

/// <summary>
/// Serves one client connection: a read loop decodes and dispatches requests in order, a write loop
/// sends each reply as soon as it and every earlier reply are ready, so replies keep request order
/// whichever upstream replies first. The bounded reply queue stops the read loop when a client
/// pipelines faster than upstreams reply.
/// </summary>
internal sealed class DownstreamSession(
    ConnectionContext connection, CommandSplitter splitter, RedisProxyStats stats, RedisProxyOptions options, ILogger logger, string listener)
{
    // NOTE: continuations stay asynchronous. Woken inline by each request, the write loop would find
    // the queue empty after every locally answered command (PING) and flush once per command.
    private readonly Channel<QueuedReply> _replies = Channel.CreateBounded<QueuedReply>(
        new BoundedChannelOptions(options.MaxPendingRequestsPerConnection) { SingleReader = true, SingleWriter = true });

    public async Task RunAsync(CancellationToken draining)
    {
        stats.DownstreamConnectionsTotal.Increment();
        stats.DownstreamConnectionsActive.Increment();
        var writing = WriteRepliesAsync(connection.Transport.Output);
        try
        {
            await ReadRequestsAsync(connection.Transport.Input, draining);
        }
        finally
        {
            _replies.Writer.TryComplete();
            await writing;
            await connection.Transport.Input.CompleteAsync();
            await connection.Transport.Output.CompleteAsync();
            stats.DownstreamConnectionsActive.Decrement();
        }
    }

    private async Task ReadRequestsAsync(PipeReader input, CancellationToken draining)
    {
        var decoder = new RespRequestDecoder(options);
        var requests = new List<RedisRequest>();
        while (true)
        {
            var result = await ReadOrStopAsync(input, draining);
            if (result is not { } read)
            {
                return;
            }

            var status = Decode(decoder, read.Buffer, requests, out var consumed, out var error);
            input.AdvanceTo(consumed, read.Buffer.End);
            if (!await DispatchAsync(requests))
            {
                return;
            }

            if (status == DecodeStatus.ProtocolError)
            {
                await RejectAsync(error!);
                return;
            }

            if (read.IsCompleted || read.IsCanceled)
            {
                return;
            }
        }
    }

    /// <summary>Reads more input; null when the client is gone or the listener drains.</summary>
    private static async Task<ReadResult?> ReadOrStopAsync(PipeReader input, CancellationToken draining)
    {
        try
        {
            return await input.ReadAsync(draining);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or ConnectionResetException or ConnectionAbortedException)
        {
            return null;
        }
    }

    private static DecodeStatus Decode(
        RespRequestDecoder decoder, ReadOnlySequence<byte> buffer, List<RedisRequest> requests, out SequencePosition consumed, out string? error)
    {
        var reader = new SequenceReader<byte>(buffer);
        DecodeStatus status;
        while ((status = decoder.Decode(ref reader, out var request, out error)) == DecodeStatus.Request)
        {
            requests.Add(request!);
        }

        consumed = reader.Position;
        return status;
    }

    /// <summary>Dispatches decoded requests in order. Returns false after a QUIT, which closes the connection.</summary>
    private async Task<bool> DispatchAsync(List<RedisRequest> requests)
    {
        try
        {
            foreach (var request in requests)
            {
                stats.DownstreamRequestsTotal.Increment();
                stats.DownstreamRequestsActive.Increment();
                var result = splitter.Execute(request);
                await _replies.Writer.WriteAsync(new QueuedReply(result.Reply, IsRequest: true, result.Count));
                if (result.CloseConnection)
                {
                    return false;
                }
            }

            return true;
        }
        finally
        {
            requests.Clear();
        }
    }

    private async Task RejectAsync(string reason)
    {
        stats.DownstreamProtocolErrors.Increment();
        logger.DownstreamProtocolError(listener, connection.RemoteEndPoint?.ToString(), reason);
        var error = RespValue.Error($"{ProxyErrors.DownstreamProtocolError}: {reason}");
        await _replies.Writer.WriteAsync(new QueuedReply(Task.FromResult(error), IsRequest: false));
    }

    private async Task WriteRepliesAsync(PipeWriter output)
    {
        var open = true;
        var replies = _replies.Reader;
        while (await replies.WaitToReadAsync())
        {
            while (replies.TryRead(out var item))
            {
                RespValue value;
                try
                {
                    // Awaited inline, because a helper method would allocate a state machine for each reply not ready yet.
                    value = await item.Reply;
                }
                catch (Exception exception)
                {
                    value = ReplyFailed(exception);
                }

                item.Count?.Record(!value.IsProxyFailure);
                if (item.IsRequest)
                {
                    stats.DownstreamRequestsActive.Decrement();
                }

                // After the client is gone the loop keeps draining, so the read loop never blocks on a full queue.
                open = open && await TryWriteAsync(output, value, flush: !NextReplyIsReady(replies));
            }
        }
    }

    /// <summary>
    /// Turns a faulted reply into "upstream failure". Reply tasks are built not to fault, but a fault
    /// that escaped would stop the write loop and leave the read loop blocked on a full queue.
    /// </summary>
    private RespValue ReplyFailed(Exception exception)
    {
        logger.ReplyFailed(listener, exception);
        return RespValue.ProxyError(ProxyErrors.UpstreamFailure);
    }

    private static bool NextReplyIsReady(ChannelReader<QueuedReply> replies) =>
        replies.TryPeek(out var next) && next.Reply.IsCompleted;

    private static async Task<bool> TryWriteAsync(PipeWriter output, RespValue value, bool flush)
    {
        try
        {
            RespWriter.WriteValue(output, value);
            if (!flush)
            {
                return true;
            }

            var result = await output.FlushAsync();
            return !result.IsCompleted && !result.IsCanceled;
        }
        catch (Exception exception) when (exception is IOException or InvalidOperationException or ConnectionResetException or ConnectionAbortedException)
        {
            return false;
        }
    }

    /// <param name="Count">The command whose success or error counter this reply decides, if any.</param>
    private readonly record struct QueuedReply(Task<RespValue> Reply, bool IsRequest, CommandStats? Count = null);
}
