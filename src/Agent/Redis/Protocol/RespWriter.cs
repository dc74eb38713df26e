using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Agent.Redis.Protocol;

/// <summary>Encodes RESP2 values and commands into an <see cref="IBufferWriter{T}"/> without intermediate strings.</summary>
internal static class RespWriter
{
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    public static void WriteValue(IBufferWriter<byte> output, RespValue value)
    {
        switch (value.Type)
        {
            case RespType.SimpleString:
                WriteLine(output, (byte)'+', value.Text!);
                break;
            case RespType.Error:
                WriteLine(output, (byte)'-', value.Text!);
                break;
            case RespType.Integer:
                WriteHeader(output, (byte)':', value.Integer);
                break;
            case RespType.BulkString:
                WriteBulk(output, value.Bytes!);
                break;
            case RespType.Array:
                WriteHeader(output, (byte)'*', value.Items!.Length);
                foreach (var item in value.Items)
                {
                    WriteValue(output, item);
                }

                break;
            default:
                output.Write("$-1\r\n"u8);
                break;
        }
    }

    /// <summary>Writes a command as an array of bulk strings, the only request form Redis servers accept from clients besides inline commands.</summary>
    public static void WriteCommand(IBufferWriter<byte> output, ReadOnlySpan<byte[]> args)
    {
        WriteHeader(output, (byte)'*', args.Length);
        foreach (var arg in args)
        {
            WriteBulk(output, arg);
        }
    }

    private static void WriteBulk(IBufferWriter<byte> output, byte[] bytes)
    {
        WriteHeader(output, (byte)'$', bytes.Length);
        output.Write(bytes);
        output.Write(Crlf);
    }

    private static void WriteHeader(IBufferWriter<byte> output, byte prefix, long number)
    {
        var span = output.GetSpan(24);
        span[0] = prefix;
        Utf8Formatter.TryFormat(number, span[1..], out var written);
        span[1 + written] = (byte)'\r';
        span[2 + written] = (byte)'\n';
        output.Advance(3 + written);
    }

    private static void WriteLine(IBufferWriter<byte> output, byte prefix, string text)
    {
        // Simple strings and errors cannot carry CR or LF, so any that slipped into a message are replaced.
        var safe = text.Replace('\r', ' ').Replace('\n', ' ');
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(safe.Length) + 3);
        span[0] = prefix;
        var written = Encoding.UTF8.GetBytes(safe, span[1..]);
        span[1 + written] = (byte)'\r';
        span[2 + written] = (byte)'\n';
        output.Advance(3 + written);
    }
}
