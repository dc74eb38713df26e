using System.Buffers;
using System.Text;
using Agent.Redis;
using Agent.Redis.Protocol;

namespace Agent.Tests.Redis;

public class RespRequestDecoderTests
{
    [Fact]
    public void Decode_OneByteAtATime_ReturnsEveryRequest()
    {
        var decoder = new RespRequestDecoder(new RedisProxyOptions());
        var bytes = Encoding.ASCII.GetBytes("*2\r\n$3\r\nGET\r\n$1\r\na\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$0\r\n\r\n");
        var requests = new List<RedisRequest>();
        var buffered = Array.Empty<byte>();
        foreach (var b in bytes)
        {
            // Like a pipe, keep what the decoder did not consume and add the next byte.
            buffered = [.. buffered, b];
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(buffered));
            while (decoder.Decode(ref reader, out var request, out var error) == DecodeStatus.Request)
            {
                requests.Add(request!);
            }

            buffered = buffered[(int)reader.Consumed..];
        }

        Assert.Equal(2, requests.Count);
        Assert.Equal(["GET", "a"], requests[0].Args.Select(Encoding.ASCII.GetString));
        Assert.Equal(["SET", "b", ""], requests[1].Args.Select(Encoding.ASCII.GetString));
        Assert.Empty(buffered);
    }

    [Theory]
    [InlineData("PING\r\n", "expected an array")]
    [InlineData("+OK\r\n", "expected an array")]
    [InlineData("*-2\r\n", "invalid array length -2, only -1 may be negative")]
    [InlineData("*1\r\n$-5\r\n", "invalid bulk string length -5")]
    [InlineData("*x\r\n", "invalid length")]
    [InlineData("*1\r\n$abc\r\n", "invalid length")]
    [InlineData("*1\r\n:1\r\n", "expected a bulk string")]
    [InlineData("*1\r\n$99999999999999999999\r\n", "invalid length")]
    [InlineData("*1\r\n$1025\r\n", "invalid bulk string length 1025, the limit is 1024")]
    [InlineData("*1001\r\n", "invalid array length 1001, the limit is 1000")]
    [InlineData("*1\r\n$3\r\nGETxx", "not terminated by CRLF")]
    [InlineData("*100000000000000000000000000000000000", "header line too long")]
    public void Decode_MalformedInput_ProtocolError(string input, string reason)
    {
        var decoder = new RespRequestDecoder(new RedisProxyOptions { MaxBulkStringBytes = 1024, MaxArrayElements = 1000 });
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(input)));

        var status = decoder.Decode(ref reader, out var request, out var error);

        Assert.Equal(DecodeStatus.ProtocolError, status);
        Assert.Null(request);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Decode_RequestOverTotalLimit_ReturnsProtocolError()
    {
        var decoder = new RespRequestDecoder(new RedisProxyOptions { MaxBulkStringBytes = 10, MaxRequestBytes = 15 });
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>("*2\r\n$10\r\n0123456789\r\n$10\r\n"u8.ToArray()));

        var status = decoder.Decode(ref reader, out _, out var error);

        Assert.Equal(DecodeStatus.ProtocolError, status);
        Assert.Contains("request larger than the limit of 15 bytes", error);
    }

    [Theory]
    [InlineData("*-1\r\n")]
    [InlineData("*0\r\n")]
    [InlineData("*2\r\n$3\r\nGET\r\n$-1\r\n")]
    public void Decode_NullOrEmptyCommand_InvalidRequest(string input)
    {
        var decoder = new RespRequestDecoder(new RedisProxyOptions());
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(input)));

        var status = decoder.Decode(ref reader, out var request, out _);

        Assert.Equal(DecodeStatus.Request, status);
        Assert.True(request!.IsInvalid);
    }

    [Fact]
    public void Decode_HugeDeclaredLength_AllocatesLittle()
    {
        var decoder = new RespRequestDecoder(new RedisProxyOptions());
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>("*2\r\n$3\r\nSET\r\n$500000000\r\nabc"u8.ToArray()));

        var before = GC.GetAllocatedBytesForCurrentThread();

        var status = decoder.Decode(ref reader, out var request, out _);

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(DecodeStatus.NeedMoreData, status);
        Assert.Null(request);
        Assert.Equal(0, reader.Remaining);
        Assert.True(allocated < 1024 * 1024, $"decoding 3 bytes of a 500 MB bulk string allocated {allocated} bytes");
    }
}
