using ControlPlane.Tests.Deploy;
using Envoy.Api.Serialization;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Google.Protobuf;
using EnvoyBootstrap = Envoy.Config.Bootstrap.V3.Bootstrap;

namespace ControlPlane.Tests.Bootstrap;

public sealed class EnvoyBootstrapTests
{
    public static TheoryData<string> AllBootstraps =>
        [BootstrapFiles.Root, BootstrapFiles.RootDelta, BootstrapFiles.DockerEnvoy, BootstrapFiles.DockerAgent];

    public static TheoryData<string> StateOfTheWorldBootstraps => [BootstrapFiles.Root, BootstrapFiles.DockerEnvoy, BootstrapFiles.DockerAgent];

    [Fact]
    public void Parse_RootBootstrap_NamesNodeAndLocality()
    {
        var bootstrap = BootstrapFiles.Parse(BootstrapFiles.Root);

        Assert.Equal("envoy-1", bootstrap.Node.Id);
        Assert.Equal("edge", bootstrap.Node.Cluster);
        Assert.Equal("local", bootstrap.Node.Locality.Region);
        Assert.Equal("local-a", bootstrap.Node.Locality.Zone);
    }

    [Fact]
    public void Parse_RootBootstrap_AdminOnLoopback9901()
    {
        var admin = BootstrapFiles.Parse(BootstrapFiles.Root).Admin.Address.SocketAddress;

        Assert.Equal("127.0.0.1", admin.Address);
        Assert.Equal(9901u, admin.PortValue);
    }

    [Fact]
    public void Parse_RootBootstrap_XdsClusterIsStaticLoopback18000()
    {
        var bootstrap = BootstrapFiles.Parse(BootstrapFiles.Root);
        var address = BootstrapFiles.XdsAddress(bootstrap);

        Assert.Equal("xds_cluster", BootstrapFiles.XdsCluster(bootstrap).Name);
        Assert.Equal(Cluster.Types.DiscoveryType.Static, BootstrapFiles.XdsCluster(bootstrap).Type);
        Assert.Equal("127.0.0.1", address.Address);
        Assert.Equal(18000u, address.PortValue);
    }

    [Fact]
    public void Parse_DockerEnvoyBootstrap_DialsControlplane()
    {
        var bootstrap = BootstrapFiles.Parse(BootstrapFiles.DockerEnvoy);
        var address = BootstrapFiles.XdsAddress(bootstrap);
        var admin = bootstrap.Admin.Address.SocketAddress;

        Assert.Equal("envoy-1", bootstrap.Node.Id);
        Assert.Equal(Cluster.Types.DiscoveryType.StrictDns, BootstrapFiles.XdsCluster(bootstrap).Type);
        Assert.Equal("controlplane", address.Address);
        Assert.Equal(18000u, address.PortValue);
        Assert.Equal("0.0.0.0", admin.Address);
        Assert.Equal(9901u, admin.PortValue);
    }

    [Fact]
    public void Parse_DockerAgentBootstrap_DialsControlplane()
    {
        var bootstrap = BootstrapFiles.Parse(BootstrapFiles.DockerAgent);
        var address = BootstrapFiles.XdsAddress(bootstrap);
        var admin = bootstrap.Admin.Address.SocketAddress;

        Assert.Equal("agent-1", bootstrap.Node.Id);
        Assert.Equal("controlplane", address.Address);
        Assert.Equal(18000u, address.PortValue);
        Assert.Equal("0.0.0.0", admin.Address);
        Assert.Equal(9901u, admin.PortValue);
    }

    [Theory]
    [MemberData(nameof(StateOfTheWorldBootstraps))]
    public void Parse_Bootstrap_AdsOverGrpcV3(string path)
    {
        var ads = BootstrapFiles.Parse(path).DynamicResources.AdsConfig;

        Assert.Equal(ApiConfigSource.Types.ApiType.Grpc, ads.ApiType);
        Assert.Equal(ApiVersion.V3, ads.TransportApiVersion);
        Assert.Equal("xds_cluster", ads.GrpcServices.Single().EnvoyGrpc.ClusterName);
    }

    [Fact]
    public void Parse_DeltaBootstrap_AdsOverDeltaGrpcV3()
    {
        var ads = BootstrapFiles.Parse(BootstrapFiles.RootDelta).DynamicResources.AdsConfig;

        Assert.Equal(ApiConfigSource.Types.ApiType.DeltaGrpc, ads.ApiType);
        Assert.Equal(ApiVersion.V3, ads.TransportApiVersion);
        Assert.Equal("xds_cluster", ads.GrpcServices.Single().EnvoyGrpc.ClusterName);
    }

    [Fact]
    public void Parse_DeltaBootstrap_DiffersFromRootOnlyInApiType()
    {
        var root = BootstrapFiles.Parse(BootstrapFiles.Root);
        var delta = BootstrapFiles.Parse(BootstrapFiles.RootDelta);

        delta.DynamicResources.AdsConfig.ApiType = root.DynamicResources.AdsConfig.ApiType;

        Assert.Equal(root, delta);
    }

    [Theory]
    [MemberData(nameof(AllBootstraps))]
    public void Parse_Bootstrap_ClustersAndListenersOverAds(string path)
    {
        var dynamic = BootstrapFiles.Parse(path).DynamicResources;

        Assert.Equal(ConfigSource.ConfigSourceSpecifierOneofCase.Ads, dynamic.CdsConfig.ConfigSourceSpecifierCase);
        Assert.Equal(ApiVersion.V3, dynamic.CdsConfig.ResourceApiVersion);
        Assert.Equal(ConfigSource.ConfigSourceSpecifierOneofCase.Ads, dynamic.LdsConfig.ConfigSourceSpecifierCase);
        Assert.Equal(ApiVersion.V3, dynamic.LdsConfig.ResourceApiVersion);
    }

    [Theory]
    [MemberData(nameof(AllBootstraps))]
    public void Parse_Bootstrap_XdsClusterSpeaksHttp2(string path)
    {
        var httpConfig = BootstrapFiles.XdsHttpConfig(BootstrapFiles.Parse(path));

        Assert.NotNull(httpConfig);
        Assert.NotNull(httpConfig.Http2ProtocolOptions);
    }

    [Fact]
    public void ParseYaml_UnknownTopLevelField_Throws()
    {
        var text = RepositoryFiles.ReadText(BootstrapFiles.Root) + "\nunknown_section: {}\n";

        var error = Assert.Throws<InvalidProtocolBufferException>(
            () => EnvoyJson.ParseYaml<EnvoyBootstrap>(text));

        Assert.Contains("unknown_section", error.Message);
    }

    [Fact]
    public void ParseYaml_UnknownFieldInsideAny_Throws()
    {
        // A misspelt field inside the typed HttpProtocolOptions: only a parser that resolves the
        // Any's type can see it.
        var text = RepositoryFiles.ReadText(BootstrapFiles.Root)
            .Replace("http2_protocol_options: {}", "http2_protocol_option: {}", StringComparison.Ordinal);

        var error = Assert.Throws<InvalidProtocolBufferException>(
            () => EnvoyJson.ParseYaml<EnvoyBootstrap>(text));

        Assert.Contains("http2_protocol_option", error.Message);
    }
}
