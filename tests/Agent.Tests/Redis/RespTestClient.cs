using System.Buffers;
using System.Net.Sockets;
using System.Text;
using Agent.Redis.Protocol;

namespace Agent.Tests.Redis;

/// <summary>A raw RESP2 client for tests: sends exactly the bytes given and reads replies one at a time.</summary>
internal sealed class RespTestClient : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly byte[] _readBuffer = new byte[64 * 1024];
    private byte[] _pending = [];

    private RespTestClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RespTestClient> ConnectAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port).WaitAsync(Timeout);
        return new RespTestClient(client);
    }

    public static byte[] Encode(params string[] args)
    {
        var text = new StringBuilder($"*{args.Length}\r\n");
        foreach (var arg in args)
        {
            text.Append($"${Encoding.UTF8.GetByteCount(arg)}\r\n{arg}\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public Task SendRawAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask().WaitAsync(Timeout);

    public Task SendRawAsync(string text) => SendRawAsync(Encoding.UTF8.GetBytes(text));

    public async Task<RespValue> CommandAsync(params string[] args)
    {
        await SendRawAsync(Encode(args));
        return await ReadReplyAsync();
    }

    /// <summary>Reads the next reply; throws <see cref="EndOfStreamException"/> when the proxy closed the connection first.</summary>
    public async Task<RespValue> ReadReplyAsync()
    {
        while (true)
        {
            if (TryParse(out var value))
            {
                return value;
            }

            var count = await _stream.ReadAsync(_readBuffer).AsTask().WaitAsync(Timeout);
            if (count == 0)
            {
                throw new EndOfStreamException("the proxy closed the connection");
            }

            _pending = [.. _pending, .. _readBuffer.AsSpan(0, count)];
        }
    }

    /// <summary>True when the proxy closed the connection (a read returns end of stream) with no further reply.</summary>
    public async Task<bool> IsClosedByPeerAsync()
    {
        try
        {
            var count = await _stream.ReadAsync(_readBuffer).AsTask().WaitAsync(Timeout);
            return count == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private bool TryParse(out RespValue value)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(_pending));
        var status = RespReplyParser.TryParse(ref reader, long.MaxValue, out var parsed);
        if (status == ParseStatus.Invalid)
        {
            throw new InvalidDataException("the proxy sent invalid RESP: " + Encoding.UTF8.GetString(_pending));
        }

        value = parsed!;
        if (status == ParseStatus.Incomplete)
        {
            return false;
        }

        _pending = _pending[(int)reader.Consumed..];
        return true;
    }
}
