using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Envoy.Api.Serialization;
using Google.Protobuf;

namespace ControlPlane.Tests.Conformance;

/// <summary>Sends resources to the operator REST API as proto3 JSON, as an operator's script would.</summary>
internal sealed class OperatorApiClient(HttpClient http)
{
    public Task PostAsync(string collection, IMessage resource) =>
        SendAsync(HttpMethod.Post, $"/api/v1/{collection}", resource);

    public Task PutAsync(string path, IMessage resource) => SendAsync(HttpMethod.Put, path, resource);

    /// <summary>Returns the body of GET /api/v1/nodes.</summary>
    public async Task<JsonDocument> GetNodesAsync()
    {
        using var response = await http.GetAsync("/api/v1/nodes").WaitAsync(TimeSpan.FromSeconds(10));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /api/v1/nodes returned {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body);
    }

    private async Task SendAsync(HttpMethod method, string path, IMessage resource)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = new StringContent(EnvoyJson.Format(resource), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await http.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(10));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path} returned {(int)response.StatusCode}: {body}");
    }
}
