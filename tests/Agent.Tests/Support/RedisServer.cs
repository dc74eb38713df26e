using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Tests.Shared;

namespace Agent.Tests.Support;

/// <summary>A real redis-server on a free loopback port, without persistence; killed on dispose.</summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<RedisServer> StartAsync()
    {
        var port = LoopbackPorts.GetFree();
        var start = new ProcessStartInfo("redis-server", ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        var server = new RedisServer(process, port);
        await AgentRunner.WaitUntilAsync(server.Accepts, $"redis-server accepts connections on {port}");
        return server;
    }

    /// <summary>Sends one command in RESP and returns the raw reply.</summary>
    public async Task<string> CommandAsync(params string[] parts)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", Port).WaitAsync(TimeSpan.FromSeconds(5));
        var command = new StringBuilder($"*{parts.Length}\r\n");
        foreach (var part in parts)
        {
            command.Append($"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        }

        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(command.ToString()));
        var buffer = new byte[256];
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    private bool Accepts()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }
}
