using Envoy.Extensions.Filters.Network.TcpProxy.V3;
using Google.Protobuf.WellKnownTypes;

namespace Agent.Listeners.TcpProxy;

/// <summary>Builds envoy.filters.network.tcp_proxy.</summary>
internal sealed class TcpProxyFilterFactory : INetworkFilterFactory
{
    /// <summary>Envoy's default idle_timeout for tcp_proxy: one hour.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromHours(1);

    public string TypeUrl => "type.googleapis.com/" + Envoy.Extensions.Filters.Network.TcpProxy.V3.TcpProxy.Descriptor.FullName;

    public INetworkFilter Create(Any typedConfig, NetworkFilterContext context)
    {
        var config = typedConfig.Unpack<Envoy.Extensions.Filters.Network.TcpProxy.V3.TcpProxy>();
        var errors = new List<string>();
        if (string.IsNullOrEmpty(config.StatPrefix))
        {
            errors.Add("tcp_proxy.stat_prefix: required");
        }

        var clusters = new List<(string Cluster, int Weight)>();
        switch (config.ClusterSpecifierCase)
        {
            case Envoy.Extensions.Filters.Network.TcpProxy.V3.TcpProxy.ClusterSpecifierOneofCase.Cluster:
                clusters.Add((config.Cluster, 1));
                break;
            case Envoy.Extensions.Filters.Network.TcpProxy.V3.TcpProxy.ClusterSpecifierOneofCase.WeightedClusters:
                clusters.AddRange(config.WeightedClusters.Clusters.Select(c => (c.Name, (int)c.Weight)));
                if (clusters.Sum(c => c.Weight) <= 0)
                {
                    errors.Add("tcp_proxy.weighted_clusters: needs at least one cluster with a weight above 0");
                }

                break;
            default:
                errors.Add("tcp_proxy: cluster or weighted_clusters is required");
                break;
        }

        if (errors.Count > 0)
        {
            throw new ConfigRejectedException(string.Join("; ", errors));
        }

        var idle = config.IdleTimeout is null ? DefaultIdleTimeout : config.IdleTimeout.ToTimeSpan();
        return new TcpProxyFilter(config.StatPrefix, clusters, idle, context);
    }
}
