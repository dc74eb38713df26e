using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Tests.Shared;

/// <summary>
/// A real redis-server on a free 127.0.0.1 port with its own temporary folder and no persistence
/// (<c>--save "" --appendonly no</c>). It can be stopped and started again on the same port, and is
/// killed and its folder deleted on dispose. It can also be suspended, so tests can make it stall.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly string _folder;
    private Process? _process;

    private RedisServer(int port, string folder)
    {
        Port = port;
        _folder = folder;
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts redis-server (it must be on PATH; tests/run.sh installs it) and waits until it replies to PING.</summary>
    public static async Task<RedisServer> StartAsync()
    {
        var folder = Directory.CreateTempSubdirectory("redis-test-").FullName;
        var server = new RedisServer(LoopbackPorts.GetFree(), folder);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server again on the same port after <see cref="StopAsync"/>, with an empty data set.</summary>
    public async Task StartAgainAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"redis-server on port {Port} is already running");
        }

        var start = new ProcessStartInfo("redis-server")
        {
            WorkingDirectory = _folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", _folder, "--save", "", "--appendonly", "no",
            "--daemonize", "no",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitForPingAsync();
    }

    /// <summary>Kills the server; clients see their connections reset and new connections refused.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WaitAsync(StartTimeout);
        _process.Dispose();
        _process = null;
    }

    /// <summary>Sends one command straight to the server (not through a proxy) and returns the raw reply text.</summary>
    public async Task<string> CommandAsync(params string[] args)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", Port).WaitAsync(StartTimeout);
        var stream = client.GetStream();
        await stream.WriteAsync(Encode(args)).AsTask().WaitAsync(StartTimeout);
        return await ReadReplyTextAsync(stream);
    }

    /// <summary>Suspends the server (SIGSTOP): connections stay open but no command gets a reply until <see cref="ResumeAsync"/>.</summary>
    public Task PauseAsync() => SignalAsync("-STOP");

    /// <summary>Resumes a server suspended by <see cref="PauseAsync"/> (SIGCONT).</summary>
    public Task ResumeAsync() => SignalAsync("-CONT");

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
    }

    private async Task SignalAsync(string signal)
    {
        var process = _process ?? throw new InvalidOperationException($"redis-server on port {Port} is not running");
        using var kill = Process.Start("kill", [signal, process.Id.ToString()]);
        await kill.WaitForExitAsync().WaitAsync(StartTimeout);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill {signal} {process.Id} exited with {kill.ExitCode}");
        }
    }

    private async Task WaitForPingAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                if (await CommandAsync("PING") == "+PONG")
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is SocketException or IOException or TimeoutException)
            {
                if (DateTime.UtcNow > deadline || _process!.HasExited)
                {
                    throw new InvalidOperationException($"redis-server on port {Port} did not answer PING within {StartTimeout}", exception);
                }
            }

            await Task.Delay(50);
        }
    }

    private static byte[] Encode(string[] args)
    {
        var text = new StringBuilder($"*{args.Length}\r\n");
        foreach (var arg in args)
        {
            text.Append($"${Encoding.UTF8.GetByteCount(arg)}\r\n{arg}\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Reads one reply: the first line, plus the payload of a bulk string. Enough for the commands tests send directly.</summary>
    private static async Task<string> ReadReplyTextAsync(NetworkStream stream)
    {
        var reader = new StreamReader(stream, Encoding.UTF8);
        var line = await reader.ReadLineAsync().WaitAsync(StartTimeout) ?? throw new IOException("connection closed");
        if (line.StartsWith('$') && line != "$-1")
        {
            var length = int.Parse(line[1..]);
            var buffer = new char[length];
            var read = 0;
            while (read < length)
            {
                var count = await reader.ReadAsync(buffer.AsMemory(read)).AsTask().WaitAsync(StartTimeout);
                if (count == 0)
                {
                    throw new IOException("connection closed");
                }

                read += count;
            }

            return new string(buffer);
        }

        return line;
    }
}
