using System.Diagnostics;
using System.Text;

namespace ControlPlaneBench;

/// <summary>The operator API calls the benchmark makes: load a configuration, change one cluster's endpoints.</summary>
internal sealed class OperatorApi(ControlPlaneProcess controlPlane, HttpClient http)
{
    /// <summary>Loads <paramref name="clusters"/> clusters (in batches, to stay under the body limit), a listener and its routes.</summary>
    public async Task LoadConfigAsync(int clusters)
    {
        const int batch = 1_000;
        for (var first = 0; first < clusters; first += batch)
        {
            await PostAsync("/api/v1/apply", BenchConfig.Clusters(first, Math.Min(batch, clusters - first)));
        }

        await PostAsync("/api/v1/apply", BenchConfig.ListenerAndRoutes());
    }

    /// <summary>Replaces cluster_0's endpoint; returns the stopwatch timestamp taken just before the call.</summary>
    public async Task<long> PushEndpointAsync(int port)
    {
        var started = Stopwatch.GetTimestamp();
        await SendAsync(HttpMethod.Put, $"/api/v1/clusters/{BenchConfig.PushedCluster}/endpoints", BenchConfig.Endpoints(port));
        return started;
    }

    private Task PostAsync(string path, string json) => SendAsync(HttpMethod.Post, path, json);

    private async Task SendAsync(HttpMethod method, string path, string json)
    {
        using var request = new HttpRequestMessage(method, controlPlane.ApiUrl(path))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new BenchException($"{method} {path} returned {(int)response.StatusCode}: {body}");
        }
    }
}
