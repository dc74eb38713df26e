using System.Net;
using Envoy.Api.Serialization;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Google.Protobuf;
using BootstrapProto = Envoy.Config.Bootstrap.V3.Bootstrap;

namespace Agent.Bootstrap;

/// <summary>Reads and validates a bootstrap file; every problem found is reported, not only the first.</summary>
internal static class BootstrapLoader
{
    private static readonly IPEndPoint DefaultAdminAddress = new(IPAddress.Loopback, 9901);

    /// <summary>Loads <paramref name="path"/>; returns the bootstrap, or null and the list of problems.</summary>
    public static (AgentBootstrap? Bootstrap, IReadOnlyList<string> Errors) Load(string path)
    {
        if (!File.Exists(path))
        {
            return (null, [$"bootstrap file '{path}' was not found"]);
        }

        return Parse(File.ReadAllText(path), path);
    }

    public static (AgentBootstrap? Bootstrap, IReadOnlyList<string> Errors) Parse(string yaml, string sourceName)
    {
        BootstrapProto proto;
        try
        {
            proto = EnvoyJson.ParseYaml<BootstrapProto>(yaml);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or YamlDotNet.Core.YamlException)
        {
            return (null, [$"bootstrap file '{sourceName}' is not a valid Envoy v3 bootstrap: {e.Message}"]);
        }

        return Validate(proto);
    }

    public static (AgentBootstrap? Bootstrap, IReadOnlyList<string> Errors) Validate(BootstrapProto proto)
    {
        var errors = new List<string>();
        if (string.IsNullOrEmpty(proto.Node?.Id))
        {
            errors.Add("node.id: missing; the control plane identifies the agent by it");
        }

        var admin = ReadAdminAddress(proto, errors);
        var ads = proto.DynamicResources?.AdsConfig;
        var xdsClusterName = ReadAdsCluster(ads, errors);

        RequireAds(proto.DynamicResources?.CdsConfig, "dynamic_resources.cds_config", errors);
        RequireAds(proto.DynamicResources?.LdsConfig, "dynamic_resources.lds_config", errors);
        var xdsCluster = proto.StaticResources?.Clusters.FirstOrDefault(c => c.Name == xdsClusterName);
        var (address, timeout) = ReadXdsCluster(xdsCluster, xdsClusterName, errors);
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        return (new AgentBootstrap(proto.Node!, admin!, xdsClusterName!, address!, timeout, ads!.ApiType, proto), []);
    }

    // GRPC is state-of-the-world ADS and DELTA_GRPC incremental ADS; Envoy's other api_type values
    // (REST, AGGREGATED_GRPC, AGGREGATED_DELTA_GRPC) do not configure an ADS stream.
    private static string? ReadAdsCluster(ApiConfigSource? ads, List<string> errors)
    {
        if (ads is null || ads.GrpcServices.Count == 0)
        {
            errors.Add("dynamic_resources.ads_config: missing or without a grpc_services entry");
            return null;
        }

        if (ads.ApiType == ApiConfigSource.Types.ApiType.DeprecatedAndUnavailableDoNotUse)
        {
            // The enum's zero value, which is also what an omitted api_type reads as.
            errors.Add("dynamic_resources.ads_config.api_type: missing; set GRPC (state of the world) or DELTA_GRPC (incremental)");
        }
        else if (ads.ApiType is not (ApiConfigSource.Types.ApiType.Grpc or ApiConfigSource.Types.ApiType.DeltaGrpc))
        {
            var name = ApiConfigSource.Descriptor.FindFieldByNumber(ApiConfigSource.ApiTypeFieldNumber)
                .EnumType.FindValueByNumber((int)ads.ApiType)?.Name ?? ((int)ads.ApiType).ToString();
            errors.Add($"dynamic_resources.ads_config.api_type: {name} is not supported; use GRPC or DELTA_GRPC");
        }

        var xdsClusterName = ads.GrpcServices[0].EnvoyGrpc?.ClusterName;
        if (string.IsNullOrEmpty(xdsClusterName))
        {
            errors.Add("dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name: missing");
            return null;
        }

        return xdsClusterName;
    }

    private static IPEndPoint? ReadAdminAddress(BootstrapProto proto, List<string> errors)
    {
        var socket = proto.Admin?.Address?.SocketAddress;
        if (socket is null)
        {
            return DefaultAdminAddress;
        }

        if (!IPAddress.TryParse(socket.Address, out var ip) || socket.PortValue > 65535)
        {
            errors.Add($"admin.address.socket_address: '{socket.Address}:{socket.PortValue}' is not an IP address and port");
            return null;
        }

        return new IPEndPoint(ip, (int)socket.PortValue);
    }

    private static void RequireAds(ConfigSource? source, string field, List<string> errors)
    {
        if (source is not null && source.ConfigSourceSpecifierCase != ConfigSource.ConfigSourceSpecifierOneofCase.Ads)
        {
            errors.Add($"{field}: only 'ads: {{}}' is supported; the agent receives every resource over ADS");
        }
    }

    private static (Uri? Address, TimeSpan ConnectTimeout) ReadXdsCluster(Cluster? cluster, string? name, List<string> errors)
    {
        if (name is null)
        {
            return (null, TimeSpan.Zero);
        }

        var socket = cluster?.LoadAssignment?.Endpoints.SelectMany(e => e.LbEndpoints)
            .Select(e => e.Endpoint?.Address?.SocketAddress).FirstOrDefault(s => s is not null);
        if (socket is null)
        {
            errors.Add($"static_resources.clusters: no cluster '{name}' with a load_assignment endpoint socket_address for ADS");
            return (null, TimeSpan.Zero);
        }

        if (!IPAddress.TryParse(socket.Address, out var ip))
        {
            errors.Add($"static_resources.clusters['{name}']: endpoint address '{socket.Address}' is not an IP address");
            return (null, TimeSpan.Zero);
        }

        var host = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
        var timeout = cluster!.ConnectTimeout?.ToTimeSpan() ?? TimeSpan.FromSeconds(5);
        return (new Uri($"http://{host}:{socket.PortValue}"), timeout);
    }
}
