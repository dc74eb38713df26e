using System.Buffers;
using System.Buffers.Text;

namespace Agent.Redis.Protocol;

/// <summary>A client command: an array of bulk strings, <c>Args[0]</c> being the command name.</summary>
/// <param name="IsInvalid">True for a null or empty array or a null element, which Envoy rejects with "invalid request" while keeping the connection open.</param>
internal sealed record RedisRequest(byte[][] Args, bool IsInvalid);

internal enum DecodeStatus
{
    NeedMoreData,
    Request,
    ProtocolError,
}

/// <summary>
/// Decodes client requests incrementally, consuming every byte it is given. A bulk string is copied
/// into its argument as it arrives, so the transport's input pipe never has to hold a whole request.
/// That matters because Kestrel's socket transport stops reading once its input pipe holds 1 MiB
/// (SocketTransportOptions.MaxReadBufferSize), so waiting for whole requests would stall on larger ones.
/// One instance per connection.
/// </summary>
internal sealed class RespRequestDecoder(RedisProxyOptions limits)
{
    // '*' or '$', a sign, 19 digits of a long, CR and LF.
    private const int MaxHeaderLine = 23;
    private const int InitialBulkBuffer = 64 * 1024;

    private State _state = State.ArrayHeader;
    private byte[][] _args = [];
    private int _count;
    private int _index;
    private bool _hasNullElement;
    private long _requestBytes;
    private byte[] _bulk = [];
    private int _bulkLength;
    private int _bulkFilled;

    private enum State
    {
        ArrayHeader,
        BulkHeader,
        BulkData,
        BulkEnd,
    }

    /// <summary>
    /// Decodes at most one request from <paramref name="reader"/>. After <see cref="DecodeStatus.ProtocolError"/>
    /// the decoder is unusable and the connection must close.
    /// </summary>
    public DecodeStatus Decode(ref SequenceReader<byte> reader, out RedisRequest? request, out string? error)
    {
        request = null;
        error = null;
        while (true)
        {
            var step = _state switch
            {
                State.ArrayHeader => ReadArrayHeader(ref reader, ref request, ref error),
                State.BulkHeader => ReadBulkHeader(ref reader, ref request, ref error),
                State.BulkData => ReadBulkData(ref reader),
                _ => ReadBulkEnd(ref reader, ref request, ref error),
            };
            if (step is not null)
            {
                return step.Value;
            }
        }
    }

    private DecodeStatus? ReadArrayHeader(ref SequenceReader<byte> reader, ref RedisRequest? request, ref string? error)
    {
        // TODO(redis): inline commands (a plain text line) are rejected; Envoy rejects them too.
        if (reader.TryPeek(out var prefix) && prefix != (byte)'*')
        {
            error = $"expected an array of bulk strings, got a line starting with '{(char)prefix}'";
            return DecodeStatus.ProtocolError;
        }

        if (!TryReadHeader(ref reader, out var length, ref error))
        {
            return error is null ? DecodeStatus.NeedMoreData : DecodeStatus.ProtocolError;
        }

        if (length < -1 || length > limits.MaxArrayElements)
        {
            error = length < -1
                ? $"invalid array length {length}, only -1 may be negative"
                : $"invalid array length {length}, the limit is {limits.MaxArrayElements}";
            return DecodeStatus.ProtocolError;
        }

        if (length <= 0)
        {
            request = new RedisRequest([], IsInvalid: true);
            return DecodeStatus.Request;
        }

        // The array grows as elements arrive, so a large declared length costs nothing until it is sent.
        _count = (int)length;
        _args = new byte[Math.Min(_count, 16)][];
        _index = 0;
        _hasNullElement = false;
        _requestBytes = 0;
        _state = State.BulkHeader;
        return null;
    }

    private DecodeStatus? ReadBulkHeader(ref SequenceReader<byte> reader, ref RedisRequest? request, ref string? error)
    {
        if (reader.TryPeek(out var prefix) && prefix != (byte)'$')
        {
            error = $"expected a bulk string in the request array, got a line starting with '{(char)prefix}'";
            return DecodeStatus.ProtocolError;
        }

        if (!TryReadHeader(ref reader, out var length, ref error))
        {
            return error is null ? DecodeStatus.NeedMoreData : DecodeStatus.ProtocolError;
        }

        if (length == -1)
        {
            _hasNullElement = true;
            return StoreArgument([], ref request);
        }

        if (length < -1 || length > limits.MaxBulkStringBytes)
        {
            error = length < -1
                ? $"invalid bulk string length {length}, only -1 may be negative"
                : $"invalid bulk string length {length}, the limit is {limits.MaxBulkStringBytes}";
            return DecodeStatus.ProtocolError;
        }

        _requestBytes += length;
        if (_requestBytes > limits.MaxRequestBytes)
        {
            error = $"request larger than the limit of {limits.MaxRequestBytes} bytes";
            return DecodeStatus.ProtocolError;
        }

        _bulkLength = (int)length;
        _bulk = new byte[Math.Min(_bulkLength, InitialBulkBuffer)];
        _bulkFilled = 0;
        _state = _bulkLength == 0 ? State.BulkEnd : State.BulkData;
        return null;
    }

    private DecodeStatus? ReadBulkData(ref SequenceReader<byte> reader)
    {
        var available = (int)Math.Min(reader.Remaining, _bulkLength - _bulkFilled);
        if (available == 0)
        {
            return DecodeStatus.NeedMoreData;
        }

        // Grow by doubling up to the declared length, so memory tracks the bytes received.
        if (_bulkFilled + available > _bulk.Length)
        {
            var size = (int)Math.Min(_bulkLength, Math.Max(2L * _bulk.Length, _bulkFilled + available));
            Array.Resize(ref _bulk, size);
        }

        reader.TryCopyTo(_bulk.AsSpan(_bulkFilled, available));
        reader.Advance(available);
        _bulkFilled += available;
        if (_bulkFilled == _bulkLength)
        {
            _state = State.BulkEnd;
        }

        return null;
    }

    private DecodeStatus? ReadBulkEnd(ref SequenceReader<byte> reader, ref RedisRequest? request, ref string? error)
    {
        if (reader.Remaining < 2)
        {
            return DecodeStatus.NeedMoreData;
        }

        if (!reader.IsNext("\r\n"u8, advancePast: true))
        {
            error = "bulk string not terminated by CRLF";
            return DecodeStatus.ProtocolError;
        }

        var bulk = _bulk;
        _bulk = [];
        return StoreArgument(bulk, ref request);
    }

    private DecodeStatus? StoreArgument(byte[] argument, ref RedisRequest? request)
    {
        if (_index == _args.Length)
        {
            Array.Resize(ref _args, Math.Min(_count, _args.Length * 2));
        }

        _args[_index++] = argument;
        if (_index < _count)
        {
            _state = State.BulkHeader;
            return null;
        }

        request = new RedisRequest(_args, _hasNullElement);
        _args = [];
        _state = State.ArrayHeader;
        return DecodeStatus.Request;
    }

    /// <summary>Reads a type byte and a decimal length terminated by CRLF; sets <paramref name="error"/> when the line is malformed.</summary>
    private static bool TryReadHeader(ref SequenceReader<byte> reader, out long length, ref string? error)
    {
        length = 0;
        var window = reader.UnreadSequence;
        if (window.Length > MaxHeaderLine)
        {
            window = window.Slice(0, MaxHeaderLine);
        }

        var lineFeed = window.PositionOf((byte)'\n');
        if (lineFeed is null)
        {
            if (reader.Remaining >= MaxHeaderLine)
            {
                error = "header line too long or not terminated by CRLF";
            }

            return false;
        }

        Span<byte> line = stackalloc byte[MaxHeaderLine];
        var lineLength = (int)window.Slice(0, lineFeed.Value).Length;
        window.Slice(0, lineLength).CopyTo(line);
        if (lineLength < 3 || line[lineLength - 1] != (byte)'\r'
            || !Utf8Parser.TryParse(line[1..(lineLength - 1)], out length, out var consumed)
            || consumed != lineLength - 2)
        {
            error = "invalid length in a header line, expected a decimal integer";
            return false;
        }

        reader.Advance(lineLength + 1);
        return true;
    }
}
