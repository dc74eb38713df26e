using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Agent.Redis.Protocol;

internal enum ParseStatus
{
    Incomplete,
    Complete,
    Invalid,
}

/// <summary>
/// Parses one RESP2 reply from an upstream server. It parses from the start of the value each time,
/// so the caller keeps the incomplete tail buffered: fine for replies, whose size the proxy's own
/// requests bound, unlike requests from clients.
/// </summary>
internal static class RespReplyParser
{
    private const int MaxDepth = 32;
    private const int MaxLineBytes = 1024 * 1024;

    public static ParseStatus TryParse(ref SequenceReader<byte> reader, long maxBulkBytes, out RespValue? value)
    {
        var start = reader.Consumed;
        var status = Parse(ref reader, maxBulkBytes, 0, out value);
        if (status == ParseStatus.Incomplete)
        {
            reader.Rewind(reader.Consumed - start);
        }

        return status;
    }

    private static ParseStatus Parse(ref SequenceReader<byte> reader, long maxBulkBytes, int depth, out RespValue? value)
    {
        value = null;
        if (depth > MaxDepth || !reader.TryRead(out var prefix))
        {
            return depth > MaxDepth ? ParseStatus.Invalid : ParseStatus.Incomplete;
        }

        var lineStatus = ReadLine(ref reader, out var line);
        if (lineStatus != ParseStatus.Complete)
        {
            return lineStatus;
        }

        return prefix switch
        {
            (byte)'+' => Done(SimpleString(line), out value),
            (byte)'-' => Done(RespValue.Error(Encoding.UTF8.GetString(line)), out value),
            (byte)':' => TryParseNumber(line, out var number) ? Done(RespValue.FromInteger(number), out value) : ParseStatus.Invalid,
            (byte)'$' => ParseBulk(ref reader, line, maxBulkBytes, out value),
            (byte)'*' => ParseArray(ref reader, line, maxBulkBytes, depth, out value),
            _ => ParseStatus.Invalid,
        };
    }

    /// <summary>Decodes a simple string. +OK, the reply to most successful writes, is one shared value.</summary>
    private static RespValue SimpleString(ReadOnlySequence<byte> line) =>
        line.IsSingleSegment && line.FirstSpan.SequenceEqual("OK"u8) ? RespValue.Ok : RespValue.Simple(Encoding.UTF8.GetString(line));

    private static ParseStatus ParseBulk(ref SequenceReader<byte> reader, ReadOnlySequence<byte> line, long maxBulkBytes, out RespValue? value)
    {
        value = null;
        if (!TryParseNumber(line, out var length) || length < -1 || length > maxBulkBytes)
        {
            return ParseStatus.Invalid;
        }

        if (length == -1)
        {
            return Done(RespValue.Null, out value);
        }

        if (reader.Remaining < length + 2)
        {
            return ParseStatus.Incomplete;
        }

        var bytes = new byte[length];
        reader.TryCopyTo(bytes);
        reader.Advance(length);
        return reader.IsNext("\r\n"u8, advancePast: true) ? Done(RespValue.Bulk(bytes), out value) : ParseStatus.Invalid;
    }

    private static ParseStatus ParseArray(ref SequenceReader<byte> reader, ReadOnlySequence<byte> line, long maxBulkBytes, int depth, out RespValue? value)
    {
        value = null;
        if (!TryParseNumber(line, out var count) || count < -1 || count > int.MaxValue)
        {
            return ParseStatus.Invalid;
        }

        if (count == -1)
        {
            return Done(RespValue.Null, out value);
        }

        // Each element takes at least 3 bytes, so a count beyond what is buffered is incomplete, not a huge allocation.
        if (reader.Remaining < count * 3)
        {
            return ParseStatus.Incomplete;
        }

        var items = new RespValue[count];
        for (var i = 0; i < count; i++)
        {
            var status = Parse(ref reader, maxBulkBytes, depth + 1, out var item);
            if (status != ParseStatus.Complete)
            {
                return status;
            }

            items[i] = item!;
        }

        return Done(RespValue.Array(items), out value);
    }

    /// <summary>Reads up to CRLF. The line is a slice of the input, valid until the caller advances past it.</summary>
    private static ParseStatus ReadLine(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> line)
    {
        if (!reader.TryReadTo(out line, "\r\n"u8, advancePastDelimiter: true))
        {
            return reader.Remaining > MaxLineBytes ? ParseStatus.Invalid : ParseStatus.Incomplete;
        }

        return ParseStatus.Complete;
    }

    private static bool TryParseNumber(ReadOnlySequence<byte> line, out long number)
    {
        // A long takes at most 20 characters, so the numbers Redis sends fit the stack buffer. A longer line is copied to the heap.
        Span<byte> buffer = stackalloc byte[64];
        var digits = line.Length <= buffer.Length ? buffer[..(int)line.Length] : new byte[line.Length];
        line.CopyTo(digits);
        return Utf8Parser.TryParse(digits, out number, out var consumed) && consumed == digits.Length;
    }

    private static ParseStatus Done(RespValue result, out RespValue? value)
    {
        value = result;
        return ParseStatus.Complete;
    }
}
