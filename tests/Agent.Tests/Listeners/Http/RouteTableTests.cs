using Agent.Listeners.Http;
using Envoy.Api.Serialization;
using Envoy.Config.Route.V3;
using Microsoft.AspNetCore.Http;

namespace Agent.Tests.Listeners.Http;

public sealed class RouteTableTests
{
    private const string Config = """
        name: routes
        virtual_hosts:
          - name: exact
            domains: ["api.example.com"]
            routes: [ { match: { prefix: "/" }, route: { cluster: exact } } ]
          - name: suffix
            domains: ["*.example.com"]
            routes: [ { match: { prefix: "/" }, route: { cluster: suffix } } ]
          - name: prefix
            domains: ["shop.*"]
            routes: [ { match: { prefix: "/" }, route: { cluster: prefix } } ]
          - name: any
            domains: ["*"]
            routes:
              - match: { path: "/exact" }
                route: { cluster: path }
              - match: { safe_regex: { regex: "/items/[0-9]+" } }
                route: { cluster: regex }
              - match: { prefix: "/", headers: [ { name: x-canary, string_match: { exact: "1" } } ] }
                route: { cluster: canary }
              - match: { prefix: "/static" }
                direct_response: { status: 204 }
              - match: { prefix: "/" }
                route: { cluster: default, timeout: 0s, retry_policy: { retry_on: "5xx,connect-failure", num_retries: 2 } }
        """;

    private static RouteTable Compile()
    {
        var errors = new List<string>();
        var table = RouteTable.Compile(EnvoyJson.ParseYaml<RouteConfiguration>(Config), errors);
        Assert.Empty(errors);
        return table!;
    }

    private static CompiledRoute? Match(RouteTable table, string host, string path, (string Name, string Value)? header = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Host = new HostString(host);
        context.Request.Path = path;
        if (header is { } h)
        {
            context.Request.Headers[h.Name] = h.Value;
        }

        return table.Match(context.Request);
    }

    [Theory]
    [InlineData("api.example.com", "exact")]
    [InlineData("api.example.com:8080", "exact")]
    [InlineData("www.example.com", "suffix")]
    [InlineData("shop.local", "prefix")]
    [InlineData("other.test", "default")]
    public void Match_HostHeader_SelectsVirtualHostInEnvoyOrder(string host, string expectedCluster)
    {
        var route = Match(Compile(), host, "/");

        Assert.Equal(expectedCluster, route?.Target?.Cluster);
    }

    [Theory]
    [InlineData("/exact", "path")]
    [InlineData("/exact/more", "default")]
    [InlineData("/items/42", "regex")]
    [InlineData("/items/abc", "default")]
    public void Match_Path_UsesFirstMatchingRoute(string path, string expectedCluster)
    {
        var route = Match(Compile(), "other.test", path);

        Assert.Equal(expectedCluster, route?.Target?.Cluster);
    }

    [Fact]
    public void Match_HeaderCondition_SelectsCanaryRoute()
    {
        var route = Match(Compile(), "other.test", "/", ("x-canary", "1"));

        Assert.Equal("canary", route?.Target?.Cluster);
    }

    [Fact]
    public void Match_DirectResponse_ReturnsStatus()
    {
        var route = Match(Compile(), "other.test", "/static/app.js");

        Assert.Equal(204, route?.DirectResponse?.Status);
    }

    [Fact]
    public void Compile_RetryPolicy_ReadsConditionsAndCount()
    {
        var target = Match(Compile(), "other.test", "/")!.Target!;

        Assert.Equal(TimeSpan.Zero, target.Timeout);
        Assert.Equal(2, target.Retry!.NumRetries);
        Assert.True(target.Retry.RetriesStatus(503));
        Assert.True(target.Retry.RetriesConnectFailure);
    }

    [Fact]
    public void ComputeHashKey_HeaderPolicy_SameValueSameKey()
    {
        const string yaml = """
            name: hashed
            virtual_hosts:
              - name: any
                domains: ["*"]
                routes: [ { match: { prefix: "/" }, route: { cluster: ring, hash_policy: [ { header: { header_name: x-user } } ] } } ]
            """;
        var errors = new List<string>();
        var table = RouteTable.Compile(EnvoyJson.ParseYaml<RouteConfiguration>(yaml), errors)!;
        HttpContext Request(string user)
        {
            var context = new DefaultHttpContext();
            context.Request.Path = "/";
            context.Request.Headers["x-user"] = user;
            return context;
        }

        var target = table.Match(Request("alice").Request)!.Target!;

        Assert.Equal(target.ComputeHashKey(Request("alice")), target.ComputeHashKey(Request("alice")));
        Assert.NotEqual(target.ComputeHashKey(Request("alice")), target.ComputeHashKey(Request("bob")));
        Assert.Null(target.ComputeHashKey(new DefaultHttpContext()));
    }

    [Fact]
    public void Compile_InvalidRegexAndUnknownRetryOn_ReportsBoth()
    {
        const string yaml = """
            name: bad
            virtual_hosts:
              - name: any
                domains: ["*"]
                routes:
                  - match: { safe_regex: { regex: "([" } }
                    route: { cluster: a, retry_policy: { retry_on: "sometimes" } }
            """;
        var errors = new List<string>();

        var table = RouteTable.Compile(EnvoyJson.ParseYaml<RouteConfiguration>(yaml), errors);

        Assert.Null(table);
        Assert.Contains(errors, e => e.Contains("safe_regex.regex", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'sometimes' is not supported", StringComparison.Ordinal));
    }
}
