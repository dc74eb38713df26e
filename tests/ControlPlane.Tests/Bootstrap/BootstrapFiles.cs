using ControlPlane.Tests.Deploy;
using Envoy.Api.Serialization;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using EnvoyBootstrap = Envoy.Config.Bootstrap.V3.Bootstrap;
using UpstreamHttpProtocolOptions = Envoy.Extensions.Upstreams.Http.V3.HttpProtocolOptions;

namespace ControlPlane.Tests.Bootstrap;

/// <summary>Reads the bootstrap files this repository ships and the parts of them the tests check.</summary>
internal static class BootstrapFiles
{
    public const string Root = "envoy-bootstrap.yaml";
    public const string RootDelta = "envoy-bootstrap-delta.yaml";
    public const string DockerEnvoy = "deploy/docker/envoy-bootstrap.yaml";
    public const string DockerAgent = "deploy/docker/agent-bootstrap.yaml";

    private const string HttpProtocolOptionsKey = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

    /// <summary>Parses a bootstrap as Envoy does: YAML to proto3 JSON, every Any resolved, unknown fields rejected.</summary>
    public static EnvoyBootstrap Parse(string relativePath) =>
        EnvoyJson.ParseYaml<EnvoyBootstrap>(RepositoryFiles.ReadText(relativePath));

    /// <summary>The static cluster that the ADS config names.</summary>
    public static Cluster XdsCluster(EnvoyBootstrap bootstrap)
    {
        var name = bootstrap.DynamicResources.AdsConfig.GrpcServices.Single().EnvoyGrpc.ClusterName;
        return bootstrap.StaticResources.Clusters.Single(c => c.Name == name);
    }

    /// <summary>The one address the xDS cluster dials.</summary>
    public static SocketAddress XdsAddress(EnvoyBootstrap bootstrap)
    {
        var endpoints = XdsCluster(bootstrap).LoadAssignment.Endpoints.Single();
        return endpoints.LbEndpoints.Single().Endpoint.Address.SocketAddress;
    }

    /// <summary>The xDS cluster's explicit HTTP protocol options, or null when it sets none.</summary>
    public static UpstreamHttpProtocolOptions.Types.ExplicitHttpConfig? XdsHttpConfig(EnvoyBootstrap bootstrap)
    {
        var options = XdsCluster(bootstrap).TypedExtensionProtocolOptions;
        return options.TryGetValue(HttpProtocolOptionsKey, out var any)
            ? any.Unpack<UpstreamHttpProtocolOptions>().ExplicitHttpConfig
            : null;
    }
}
