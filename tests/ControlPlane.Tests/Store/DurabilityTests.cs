using System.Diagnostics;
using System.Net;
using ControlPlane.Snapshots;
using ControlPlane.Tests.Api;
using Microsoft.Extensions.DependencyInjection;
using Tests.Shared;

namespace ControlPlane.Tests.Store;

/// <summary>
/// Runs the control plane as its own process, kills it with SIGKILL right after a 2xx and checks that
/// the change survives: a 2xx means the change is on disk.
/// </summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("controlplane-durability-").FullName;

    [Fact]
    public async Task Post_ThenSigkill_ChangeIsServedAfterRestart()
    {
        var storePath = Path.Combine(_folder, "store.db");
        long version;
        using (var process = await ControlPlaneProcess.StartAsync(storePath))
        {
            await process.Api.ApplyScenarioAsync();
            using var response = await process.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(Resources.StaticCluster("durable", 7000)));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            version = (await response.ReadJsonAsync()).GetProperty("version").GetInt64();
            process.Kill();
        }

        using (var restarted = await ControlPlaneProcess.StartAsync(storePath))
        {
            using var get = await restarted.Api.SendAsync(HttpMethod.Get, "/api/v1/clusters/durable");
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            using var next = await restarted.Api.SendAsync(HttpMethod.Delete, "/api/v1/clusters/durable");
            Assert.Equal(HttpStatusCode.NoContent, next.StatusCode);
            restarted.Kill();
        }

        // The deletion was acknowledged just before the second SIGKILL; the in-process control plane
        // reads the same store and must publish exactly that version.
        await using var server = await ControlPlaneServer.StartAsync(storePath);
        var snapshot = server.Services.GetRequiredService<SnapshotCache>().Current;
        Assert.Equal(2, version);
        Assert.Equal(version + 1, snapshot.ConfigVersion);
        Assert.False(snapshot[TypeUrls.Cluster].Resources.ContainsKey("durable"));
        Assert.True(snapshot[TypeUrls.Cluster].Resources.ContainsKey("primary"));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>A control plane started with <c>dotnet ControlPlane.dll</c> on free loopback ports.</summary>
    private sealed class ControlPlaneProcess : IDisposable
    {
        private readonly Process _process;

        private ControlPlaneProcess(Process process, int apiPort)
        {
            _process = process;
            Api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}") };
        }

        public HttpClient Api { get; }

        public static async Task<ControlPlaneProcess> StartAsync(string storePath)
        {
            var apiPort = LoopbackPorts.GetFree();
            var start = new ProcessStartInfo("dotnet")
            {
                ArgumentList =
                {
                    FindControlPlaneDll(),
                    $"--ControlPlane:StorePath={storePath}",
                    $"--ControlPlane:ApiPort={apiPort}",
                    $"--ControlPlane:XdsPort={LoopbackPorts.GetFree()}",
                    "--ControlPlane:ListenAddress=127.0.0.1",
                    "--Logging:LogLevel:Default=Warning",
                },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var started = new ControlPlaneProcess(process, apiPort);
            await started.WaitUntilReadyAsync();
            return started;
        }

        /// <summary>Sends SIGKILL and waits for the process to end.</summary>
        public void Kill()
        {
            _process.Kill();
            Assert.True(_process.WaitForExit(10_000), "the control plane process did not exit after SIGKILL");
        }

        public void Dispose()
        {
            Api.Dispose();
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }

            _process.Dispose();
        }

        private async Task WaitUntilReadyAsync()
        {
            // Bounded: 300 tries 100 ms apart, about 30 seconds for a cold start on a busy machine.
            for (var attempt = 0; attempt < 300; attempt++)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"the control plane exited with code {_process.ExitCode} during start-up");
                }

                try
                {
                    using var response = await Api.GetAsync("/api/v1/clusters").WaitAsync(TimeSpan.FromSeconds(5));
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(100);
            }

            Dispose();
            throw new TimeoutException("the control plane process did not answer on its API port within 30 seconds");
        }

        // The ControlPlane project's own output, built with the same configuration as the tests.
        private static string FindControlPlaneDll()
        {
            var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var framework = baseDirectory.Name;
            var configuration = baseDirectory.Parent!.Name;
            for (var folder = baseDirectory; folder is not null; folder = folder.Parent)
            {
                var candidate = Path.Combine(folder.FullName, "src", "ControlPlane", "bin", configuration, framework, "ControlPlane.dll");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new FileNotFoundException("src/ControlPlane/bin/.../ControlPlane.dll was not found; build the solution first");
        }
    }
}
