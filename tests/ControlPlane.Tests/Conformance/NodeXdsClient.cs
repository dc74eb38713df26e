using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using ControlPlane.Tests.Deploy;

namespace ControlPlane.Tests.Conformance;

/// <summary>One line that tests/Conformance/client.js prints for a call.</summary>
internal sealed record CallResult(int Call, bool Ok, string? Backend, int? Code, string? Details)
{
    public override string ToString() => Ok ? $"#{Call} ok from {Backend}" : $"#{Call} failed ({Code}: {Details})";
}

/// <summary>
/// Runs tests/Conformance/client.js (gRPC's proxyless xDS client for Node) in its --until-stop mode
/// with a bootstrap that points at the given xDS port, and reads its call results as they come.
/// </summary>
internal sealed class NodeXdsClient : IAsyncDisposable
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };

    private readonly Process _process;
    private readonly string _folder;
    private readonly Channel<CallResult> _results = Channel.CreateUnbounded<CallResult>();
    private readonly StringBuilder _stderr = new();
    private readonly List<CallResult> _seen = [];

    private NodeXdsClient(Process process, string folder)
    {
        _process = process;
        _folder = folder;
    }

    public const string NodeId = "conformance-client";

    /// <summary>Starts the client; it keeps calling <c>xds:///{serviceName}</c> until disposed.</summary>
    public static NodeXdsClient Start(int xdsPort, string serviceName)
    {
        var harness = RepositoryFiles.PathOf("tests/Conformance");
        if (!Directory.Exists(Path.Combine(harness, "node_modules", "@grpc", "grpc-js-xds")))
        {
            throw new InvalidOperationException(
                $"{harness}/node_modules is missing: run 'npm ci --ignore-scripts' there (tests/run.sh does)");
        }

        var folder = Directory.CreateTempSubdirectory("xds-conformance-").FullName;
        var bootstrap = Path.Combine(folder, "bootstrap.json");
        File.WriteAllText(bootstrap, BootstrapJson(xdsPort));

        var start = new ProcessStartInfo("node")
        {
            ArgumentList = { Path.Combine(harness, "client.js"), "--target", $"xds:///{serviceName}", "--until-stop", "--deadline-ms", "1000", "--max-seconds", "90" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = harness,
            Environment = { ["GRPC_XDS_BOOTSTRAP"] = bootstrap },
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var client = new NodeXdsClient(process, folder);
        process.OutputDataReceived += (_, e) => client.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => client.OnError(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return client;
    }

    /// <summary>
    /// Reads results until <paramref name="count"/> calls in a row succeeded on <paramref name="backend"/>.
    /// </summary>
    /// <exception cref="TimeoutException">That did not happen within <paramref name="timeout"/>; the message lists the last results.</exception>
    public async Task WaitForBackendAsync(string backend, int count, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        var inARow = 0;
        try
        {
            while (inARow < count)
            {
                var result = await _results.Reader.ReadAsync(cancellation.Token);
                inARow = result.Ok && result.Backend == backend ? inARow + 1 : 0;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no {count} calls in a row reached backend '{backend}' within {timeout}. {Describe()}");
        }
    }

    /// <summary>Reads the next <paramref name="count"/> results.</summary>
    public async Task<IReadOnlyList<CallResult>> NextAsync(int count, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        var results = new List<CallResult>();
        try
        {
            while (results.Count < count)
            {
                results.Add(await _results.Reader.ReadAsync(cancellation.Token));
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"only {results.Count} of {count} results arrived within {timeout}. {Describe()}");
        }

        return results;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await _process.StandardInput.WriteLineAsync("stop");
                await _process.StandardInput.FlushAsync();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception e) when (e is TimeoutException or IOException)
        {
            _process.Kill(entireProcessTree: true);
        }
        finally
        {
            _process.Dispose();
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static string BootstrapJson(int xdsPort) => JsonSerializer.Serialize(new
    {
        xds_servers = new[]
        {
            new
            {
                server_uri = $"127.0.0.1:{xdsPort}",
                channel_creds = new[] { new { type = "insecure" } },
                server_features = new[] { "xds_v3" },
            },
        },
        node = new
        {
            id = NodeId,
            cluster = "conformance",
            locality = new { region = "local", zone = "zone-a" },
        },
    });

    private void OnOutput(string? line)
    {
        if (string.IsNullOrWhiteSpace(line) || line.Contains("\"done\"", StringComparison.Ordinal))
        {
            return;
        }

        CallResult result;
        try
        {
            result = JsonSerializer.Deserialize<CallResult>(line, JsonOptions)!;
        }
        catch (JsonException)
        {
            OnError($"stdout line that is no call result: {line}");
            return;
        }

        lock (_seen)
        {
            _seen.Add(result);
        }

        _results.Writer.TryWrite(result);
    }

    private void OnError(string? line)
    {
        if (line is not null)
        {
            lock (_stderr)
            {
                _stderr.AppendLine(line);
            }
        }
    }

    private string Describe()
    {
        string last;
        lock (_seen)
        {
            last = string.Join("; ", _seen.TakeLast(5));
        }

        lock (_stderr)
        {
            return $"Last results: [{last}]. client.js stderr: [{_stderr.ToString().Trim()}]";
        }
    }
}
