using Agent.Bootstrap;
using Agent.Tests.Support;
using Envoy.Config.Core.V3;

namespace Agent.Tests.Bootstrap;

public sealed class BootstrapLoaderTests
{
    [Fact]
    public void Load_DeployBootstrap_ReadsNodeAdminAndAdsServer()
    {
        var path = Path.Combine(RepositoryRoot(), "deploy", "agent-bootstrap.yaml");

        var (bootstrap, errors) = BootstrapLoader.Load(path);

        Assert.Empty(errors);
        Assert.NotNull(bootstrap);
        Assert.Equal("agent-1", bootstrap.Node.Id);
        Assert.Equal("edge", bootstrap.Node.Cluster);
        Assert.Equal("local-a", bootstrap.Node.Locality.Zone);
        Assert.Equal("127.0.0.1:9901", bootstrap.AdminAddress.ToString());
        Assert.Equal(new Uri("http://127.0.0.1:18000"), bootstrap.XdsServerAddress);
        Assert.Equal(TimeSpan.FromSeconds(1), bootstrap.XdsConnectTimeout);
        Assert.Equal(ApiConfigSource.Types.ApiType.Grpc, bootstrap.AdsApiType);
    }

    [Fact]
    public void Load_DeployDeltaBootstrap_ReadsDeltaGrpc()
    {
        var path = Path.Combine(RepositoryRoot(), "deploy", "agent-bootstrap-delta.yaml");

        var (bootstrap, errors) = BootstrapLoader.Load(path);

        Assert.Empty(errors);
        Assert.NotNull(bootstrap);
        Assert.Equal(ApiConfigSource.Types.ApiType.DeltaGrpc, bootstrap.AdsApiType);
        Assert.Equal("agent-1", bootstrap.Node.Id);
        Assert.Equal(new Uri("http://127.0.0.1:18000"), bootstrap.XdsServerAddress);
    }

    [Theory]
    [InlineData("REST")]
    [InlineData("AGGREGATED_GRPC")]
    [InlineData("AGGREGATED_DELTA_GRPC")]
    public void Parse_UnsupportedApiType_NamesItAndTheSupportedOnes(string apiType)
    {
        var yaml = AgentRunner.BootstrapYaml(18000, 9901).Replace("api_type: GRPC", $"api_type: {apiType}");

        var (bootstrap, errors) = BootstrapLoader.Parse(yaml, "inline");

        Assert.Null(bootstrap);
        Assert.Equal(
            $"dynamic_resources.ads_config.api_type: {apiType} is not supported; use GRPC or DELTA_GRPC",
            Assert.Single(errors));
    }

    [Fact]
    public void Parse_ApiTypeOmitted_SaysMissing()
    {
        var yaml = AgentRunner.BootstrapYaml(18000, 9901).Replace("api_type: GRPC", "");

        var (bootstrap, errors) = BootstrapLoader.Parse(yaml, "inline");

        Assert.Null(bootstrap);
        Assert.Equal(
            "dynamic_resources.ads_config.api_type: missing; set GRPC (state of the world) or DELTA_GRPC (incremental)",
            Assert.Single(errors));
    }

    [Fact]
    public void Parse_MissingNodeAndAdsCluster_ReportsEveryProblem()
    {
        const string yaml = """
            dynamic_resources:
              ads_config:
                api_type: GRPC
                grpc_services: [ { envoy_grpc: { cluster_name: xds_cluster } } ]
              cds_config: { path_config_source: { path: /tmp/cds.yaml } }
            """;

        var (bootstrap, errors) = BootstrapLoader.Parse(yaml, "inline");

        Assert.Null(bootstrap);
        Assert.Contains(errors, e => e.StartsWith("node.id", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("dynamic_resources.cds_config", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("xds_cluster", StringComparison.Ordinal));
        Assert.Equal(3, errors.Count);
    }

    [Fact]
    public void Parse_UnknownField_ReportsInvalidBootstrap()
    {
        var (bootstrap, errors) = BootstrapLoader.Parse("node: { id: a, colour: blue }", "inline");

        Assert.Null(bootstrap);
        Assert.Contains("not a valid Envoy v3 bootstrap", Assert.Single(errors));
    }

    [Fact]
    public async Task RunAsync_MissingFile_ExitsWithOne()
    {
        var code = await AgentApp.RunAsync(["-c", "/nonexistent/bootstrap.yaml"]);

        Assert.Equal(1, code);
    }

    [Theory]
    [InlineData(new[] { "-c", "a.yaml" }, "a.yaml")]
    [InlineData(new[] { "--config-path", "b.yaml" }, "b.yaml")]
    [InlineData(new[] { "--config-path=c.yaml" }, "c.yaml")]
    public void ParseArguments_ConfigPathForms_ReadPath(string[] args, string expected)
    {
        var (path, _, error) = AgentApp.ParseArguments(args);

        Assert.Null(error);
        Assert.Equal(expected, path);
    }

    internal static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "ControlPlane.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
