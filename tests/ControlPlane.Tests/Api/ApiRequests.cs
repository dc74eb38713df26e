using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ControlPlane.Tests.Api;

/// <summary>Helpers that call the operator API and read its responses.</summary>
internal static class ApiRequests
{
    // Generous, because the first request of a test process builds the protobuf type registry and
    // the validators while other tests compete for two cores. A hang still fails.
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>deploy/examples/scenario.yaml, found by walking up from the test binary.</summary>
    public static string ScenarioYaml()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "deploy", "examples", "scenario.yaml");
            if (File.Exists(candidate))
            {
                return File.ReadAllText(candidate);
            }
        }

        throw new FileNotFoundException("deploy/examples/scenario.yaml was not found above " + AppContext.BaseDirectory);
    }

    public static StringContent Yaml(string text) => new(text, Encoding.UTF8, "application/yaml");

    public static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    public static Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string path, HttpContent? content = null) =>
        client.SendAsync(new HttpRequestMessage(method, path) { Content = content }).WaitAsync(Timeout);

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync().WaitAsync(Timeout);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Reads the <c>errors</c> object of a problem response.</summary>
    public static async Task<Dictionary<string, string[]>> ReadErrorsAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.ReadJsonAsync();
        return body.GetProperty("errors").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(m => m.GetString()!).ToArray());
    }

    public static async Task<long> ApplyScenarioAsync(this HttpClient client)
    {
        using var response = await client.SendAsync(HttpMethod.Post, "/api/v1/apply", Yaml(ScenarioYaml()));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return (await response.ReadJsonAsync()).GetProperty("version").GetInt64();
    }

    public static MediaTypeHeaderValue? MediaType(this HttpResponseMessage response) => response.Content.Headers.ContentType;
}

/// <summary>Resources the tests post, in YAML.</summary>
internal static class Resources
{
    public static string StaticCluster(string name, int port = 6379) => $$"""
        name: {{name}}
        connect_timeout: 1s
        load_assignment:
          cluster_name: {{name}}
          endpoints:
            - lb_endpoints:
                - endpoint:
                    address:
                      socket_address: { address: 127.0.0.1, port_value: {{port}} }
        """;

    public static string TcpListener(string name, string cluster, int port = 15000) => $$"""
        name: {{name}}
        address:
          socket_address: { address: 127.0.0.1, port_value: {{port}} }
        filter_chains:
          - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: tcp
                  cluster: {{cluster}}
        """;

    public static string Routes(string name, string cluster) => $$"""
        name: {{name}}
        virtual_hosts:
          - name: all
            domains: ["*"]
            routes:
              - match: { prefix: "/" }
                route: { cluster: {{cluster}} }
        """;
}
