using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using Google.Protobuf.WellKnownTypes;
using Router = Envoy.Extensions.Filters.Http.Router.V3.Router;
using TcpProxyConfig = Envoy.Extensions.Filters.Network.TcpProxy.V3.TcpProxy;

namespace Agent.Tests.Support;

/// <summary>Builds the Envoy resources the tests publish.</summary>
internal static class TestResources
{
    public static Cluster EdsCluster(string name, Action<Cluster>? configure = null)
    {
        var cluster = new Cluster
        {
            Name = name,
            Type = Cluster.Types.DiscoveryType.Eds,
            ConnectTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
            EdsClusterConfig = new Cluster.Types.EdsClusterConfig
            {
                EdsConfig = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
            },
        };
        configure?.Invoke(cluster);
        return cluster;
    }

    public static ClusterLoadAssignment Endpoints(string clusterName, params (int Port, uint Priority)[] endpoints)
    {
        var assignment = new ClusterLoadAssignment { ClusterName = clusterName };
        foreach (var group in endpoints.GroupBy(e => e.Priority))
        {
            var locality = new LocalityLbEndpoints { Priority = group.Key };
            locality.LbEndpoints.AddRange(group.Select(e => new LbEndpoint { Endpoint = new Endpoint { Address = Address(e.Port) } }));
            assignment.Endpoints.Add(locality);
        }

        return assignment;
    }

    public static Address Address(int port, string ip = "127.0.0.1") =>
        new() { SocketAddress = new SocketAddress { Address = ip, PortValue = (uint)port } };

    public static Listener HttpListener(string name, int port, string routeConfigName)
    {
        var manager = new HttpConnectionManager
        {
            StatPrefix = "ingress_http",
            Rds = new Rds
            {
                RouteConfigName = routeConfigName,
                ConfigSource = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
            },
        };
        manager.HttpFilters.Add(new HttpFilter { Name = "envoy.filters.http.router", TypedConfig = Any.Pack(new Router()) });
        return WithFilter(name, port, "envoy.filters.network.http_connection_manager", Any.Pack(manager));
    }

    public static Listener TcpListener(string name, int port, string cluster, string statPrefix = "tcp_test") =>
        WithFilter(name, port, "envoy.filters.network.tcp_proxy", Any.Pack(new TcpProxyConfig { StatPrefix = statPrefix, Cluster = cluster }));

    public static Listener WithFilter(string name, int port, string filterName, Any typedConfig)
    {
        var chain = new FilterChain();
        chain.Filters.Add(new Envoy.Config.Listener.V3.Filter { Name = filterName, TypedConfig = typedConfig });
        var listener = new Listener { Name = name, Address = Address(port) };
        listener.FilterChains.Add(chain);
        return listener;
    }

    public static RouteConfiguration Routes(string name, string cluster, Action<RouteAction>? configure = null)
    {
        var action = new RouteAction { Cluster = cluster, Timeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)) };
        configure?.Invoke(action);
        var host = new VirtualHost { Name = "backend" };
        host.Domains.Add("*");
        host.Routes.Add(new Route { Match = new RouteMatch { Prefix = "/" }, Route_ = action });
        var config = new RouteConfiguration { Name = name };
        config.VirtualHosts.Add(host);
        return config;
    }
}
