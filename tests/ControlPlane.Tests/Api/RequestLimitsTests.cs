using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Tests.Shared;

namespace ControlPlane.Tests.Api;

public sealed class RequestLimitsTests
{
    [Fact]
    public async Task Post_BodyOverLimit_Returns413()
    {
        await using var server = await ControlPlaneServer.StartAsync(configure: builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ControlPlane:MaxRequestBodyBytes"] = "1024" }));
        var body = Resources.StaticCluster("big") + "\n# " + new string('x', 2048) + "\n";

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(body));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("1024", Assert.Single((await response.ReadErrorsAsync())["body"]));
    }

    [Fact]
    public async Task Post_ChunkedBodyOverLimit_Returns413()
    {
        await using var server = await ControlPlaneServer.StartAsync(configure: builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ControlPlane:MaxRequestBodyBytes"] = "1024" }));
        var body = Encoding.UTF8.GetBytes(Resources.StaticCluster("big") + "\n# " + new string('x', 200_000) + "\n");

        // A stream of unknown length makes HttpClient send the body chunked, with no Content-Length.
        var content = new StreamContent(new UnknownLengthStream(body));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/yaml");
        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("1024", Assert.Single((await response.ReadErrorsAsync())["body"]));
        using var list = await server.Api.SendAsync(HttpMethod.Get, "/api/v1/clusters/big");
        Assert.Equal(HttpStatusCode.NotFound, list.StatusCode);
    }

    [Fact]
    public async Task Post_DefaultLimit_Accepts4MiBMinusOneAndRejectsMore()
    {
        await using var server = await ControlPlaneServer.StartAsync();
        var cluster = Resources.StaticCluster("padded") + "\n#";
        var fits = cluster + new string('x', 4 * 1024 * 1024 - Encoding.UTF8.GetByteCount(cluster) - 1) + "\n";
        var tooBig = fits + "#x\n";

        using var accepted = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Yaml(fits));
        using var rejected = await server.Api.SendAsync(HttpMethod.Put, "/api/v1/clusters/padded", ApiRequests.Yaml(tooBig));

        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, rejected.StatusCode);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    public async Task Post_OtherContentType_Returns415(string contentType)
    {
        await using var server = await ControlPlaneServer.StartAsync();
        var content = new StringContent(Resources.StaticCluster("x"), Encoding.UTF8, contentType);

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/apply", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("Content-Type", (await response.ReadErrorsAsync()).Keys);
    }

    [Theory]
    [InlineData("application/x-yaml")]
    [InlineData("text/yaml")]
    public async Task Post_YamlAliases_AreAccepted(string contentType)
    {
        await using var server = await ControlPlaneServer.StartAsync();
        var content = new StringContent(Resources.StaticCluster("x"), Encoding.UTF8, contentType);

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", content);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/api/v1/nothing-here", HttpStatusCode.NotFound)]
    [InlineData("PATCH", "/api/v1/clusters/web", HttpStatusCode.MethodNotAllowed)]
    public async Task Request_NoEndpoint_ReturnsProblemJson(string method, string path, HttpStatusCode expected)
    {
        await using var server = await ControlPlaneServer.StartAsync();

        using var response = await server.Api.SendAsync(new HttpMethod(method), path);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("line1\nline2")]
    public async Task Post_NameWithSlashOrControlCharacter_Returns400(string name)
    {
        await using var server = await ControlPlaneServer.StartAsync();
        var json = "{\"name\": " + System.Text.Json.JsonSerializer.Serialize(name) + ", \"type\": \"EDS\", \"eds_cluster_config\": {\"eds_config\": {\"ads\": {}}}}";

        using var response = await server.Api.SendAsync(HttpMethod.Post, "/api/v1/clusters", ApiRequests.Json(json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("must not contain '/'", Assert.Single((await response.ReadErrorsAsync())["name"]));
    }

    [Fact]
    public async Task Put_EncodedSlashInUrlName_Returns400()
    {
        await using var server = await ControlPlaneServer.StartAsync();

        using var response = await server.Api.SendAsync(HttpMethod.Put, "/api/v1/clusters/..%2F..%2Fx", ApiRequests.Yaml("type: EDS\neds_cluster_config: { eds_config: { ads: {} } }\n"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("name", (await response.ReadErrorsAsync()).Keys);
    }

    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
