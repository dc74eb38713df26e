using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ControlPlaneBench;

/// <summary>
/// One control plane started from its Release output as a separate process, on free loopback
/// ports, with an empty store in a temporary folder. Disposing it kills the process.
/// </summary>
internal sealed class ControlPlaneProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly ConcurrentDictionary<int, Process> Running = new();

    private readonly Process _process;
    private readonly string _folder;
    private StreamWriter? _log;

    private ControlPlaneProcess(Process process, string folder, int xdsPort, int apiPort)
    {
        _process = process;
        _folder = folder;
        XdsPort = xdsPort;
        ApiPort = apiPort;
    }

    public int XdsPort { get; }

    public int ApiPort { get; }

    public int Pid => _process.Id;

    public string LogPath => Path.Combine(_folder, "controlplane.log");

    /// <summary>Starts the control plane and waits until its API returns 200.</summary>
    public static async Task<ControlPlaneProcess> StartAsync(string controlPlaneDir, HttpClient http)
    {
        controlPlaneDir = Path.GetFullPath(controlPlaneDir);
        var dll = Path.Combine(controlPlaneDir, "ControlPlane.dll");
        if (!File.Exists(dll))
        {
            throw new BenchException($"{dll} not found: build src/ControlPlane in Release first");
        }

        var folder = Directory.CreateTempSubdirectory("controlplane-bench-").FullName;
        var (xdsPort, apiPort) = (FreePort(), FreePort());
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            // The control plane reads appsettings.json from its working folder.
            WorkingDirectory = controlPlaneDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ControlPlane__XdsPort"] = xdsPort.ToString();
        start.Environment["ControlPlane__ApiPort"] = apiPort.ToString();
        start.Environment["ControlPlane__StorePath"] = Path.Combine(folder, "controlplane.db");
        start.Environment["ControlPlane__MaxRequestBodyBytes"] = (64 * 1024 * 1024).ToString();

        // One log line per stream open and close at 10,000 nodes would measure the console, not xDS.
        start.Environment["Logging__LogLevel__Default"] = "Warning";

        var process = Process.Start(start) ?? throw new BenchException("dotnet did not start the control plane");
        Running[process.Id] = process;
        var controlPlane = new ControlPlaneProcess(process, folder, xdsPort, apiPort);
        controlPlane.CopyOutputToLog();
        try
        {
            await controlPlane.WaitUntilReadyAsync(http);
        }
        catch
        {
            // The caller never gets the process to dispose, so a control plane that did not
            // become ready is killed and its folder deleted here.
            await controlPlane.DisposeAsync();
            throw;
        }

        return controlPlane;
    }

    public string ApiUrl(string path) => $"http://127.0.0.1:{ApiPort}{path}";

    public ProcessSample Sample() => ProcessSample.Read(_process.Id);

    /// <summary>Kills every control plane still running; called when the benchmark is interrupted.</summary>
    public static void KillAll()
    {
        foreach (var process in Running.Values)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It has already exited.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Running.TryRemove(_process.Id, out _);
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"bench: control plane pid {_process.Id} did not exit within 10s of SIGKILL");
        }

        _process.Dispose();
        _log?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private void CopyOutputToLog()
    {
        var log = _log = new StreamWriter(new FileStream(LogPath, FileMode.Create, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        _process.OutputDataReceived += (_, line) => Write(log, line.Data);
        _process.ErrorDataReceived += (_, line) => Write(log, line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }

    private async Task WaitUntilReadyAsync(HttpClient http)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                await Task.Delay(200); // lets the output reach the log
                throw new BenchException($"the control plane exited with code {_process.ExitCode}; its last output:\n{LogTail()}");
            }

            try
            {
                using var response = await http.GetAsync(ApiUrl("/api/v1/clusters"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(250);
        }

        throw new BenchException($"the control plane did not answer on its API port within {StartTimeout.TotalSeconds}s; its last output:\n{LogTail()}");
    }

    /// <summary>The last lines the control plane wrote; its folder is deleted when it is disposed.</summary>
    public string LogTail()
    {
        lock (_log!)
        {
            return string.Join('\n', File.ReadLines(LogPath).TakeLast(15));
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A failure that ends the benchmark with a message and no stack trace.</summary>
internal sealed class BenchException(string message) : Exception(message);
