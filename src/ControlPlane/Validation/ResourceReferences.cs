using ControlPlane.Configuration;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using Envoy.Extensions.Filters.Network.RedisProxy.V3;
using Envoy.Extensions.Filters.Network.TcpProxy.V3;
using Google.Protobuf.WellKnownTypes;

namespace ControlPlane.Validation;

/// <summary>A name one resource uses for another: the field that holds it and the resource it names.</summary>
internal readonly record struct ResourceReference(string Path, ResourceKind TargetKind, string TargetName);

/// <summary>
/// Finds the clusters and route configurations a listener or route configuration names: route and
/// weighted clusters, request mirror policies, tcp_proxy and Redis proxy routes, and RDS names.
/// </summary>
internal static class ResourceReferences
{
    public static IEnumerable<ResourceReference> Of(Listener listener)
    {
        if (listener.ApiListener?.ApiListener_ is { } apiListener)
        {
            foreach (var reference in OfFilter(apiListener, "api_listener.api_listener"))
            {
                yield return reference;
            }
        }

        var chains = listener.FilterChains.Select((chain, i) => (chain, path: FieldPaths.Index("filter_chains", i)));
        if (listener.DefaultFilterChain is not null)
        {
            chains = chains.Append((listener.DefaultFilterChain, "default_filter_chain"));
        }

        foreach (var (chain, chainPath) in chains)
        {
            for (var i = 0; i < chain.Filters.Count; i++)
            {
                var path = FieldPaths.Join(FieldPaths.Index(FieldPaths.Join(chainPath, "filters"), i), "typed_config");
                foreach (var reference in OfFilter(chain.Filters[i].TypedConfig, path))
                {
                    yield return reference;
                }
            }
        }
    }

    public static IEnumerable<ResourceReference> Of(RouteConfiguration routes, string path = "")
    {
        for (var v = 0; v < routes.VirtualHosts.Count; v++)
        {
            var host = routes.VirtualHosts[v];
            var hostPath = FieldPaths.Index(FieldPaths.Join(path, "virtual_hosts"), v);
            foreach (var reference in OfMirrors(host.RequestMirrorPolicies, FieldPaths.Join(hostPath, "request_mirror_policies")))
            {
                yield return reference;
            }

            for (var r = 0; r < host.Routes.Count; r++)
            {
                if (host.Routes[r].Route_ is { } action)
                {
                    var routePath = FieldPaths.Join(FieldPaths.Index(FieldPaths.Join(hostPath, "routes"), r), "route");
                    foreach (var reference in OfRouteAction(action, routePath))
                    {
                        yield return reference;
                    }
                }
            }
        }
    }

    private static IEnumerable<ResourceReference> OfRouteAction(RouteAction action, string path)
    {
        if (action.ClusterSpecifierCase == RouteAction.ClusterSpecifierOneofCase.Cluster)
        {
            yield return Cluster(FieldPaths.Join(path, "cluster"), action.Cluster);
        }

        var weighted = action.WeightedClusters?.Clusters ?? [];
        for (var i = 0; i < weighted.Count; i++)
        {
            if (weighted[i].Name.Length > 0)
            {
                yield return Cluster(FieldPaths.Join(FieldPaths.Index(FieldPaths.Join(path, "weighted_clusters.clusters"), i), "name"), weighted[i].Name);
            }
        }

        foreach (var reference in OfMirrors(action.RequestMirrorPolicies, FieldPaths.Join(path, "request_mirror_policies")))
        {
            yield return reference;
        }
    }

    private static IEnumerable<ResourceReference> OfMirrors(IList<RouteAction.Types.RequestMirrorPolicy> mirrors, string path) =>
        mirrors.Select((mirror, i) => (mirror, i))
            .Where(m => m.mirror.Cluster.Length > 0)
            .Select(m => Cluster(FieldPaths.Join(FieldPaths.Index(path, m.i), "cluster"), m.mirror.Cluster));

    private static IEnumerable<ResourceReference> OfFilter(Any? typedConfig, string path)
    {
        if (typedConfig is null)
        {
            return [];
        }

        return Pgv.PgvValidator.Unpack(typedConfig) switch
        {
            HttpConnectionManager manager => OfConnectionManager(manager, path),
            TcpProxy proxy => OfTcpProxy(proxy, path),
            RedisProxy redis => OfRedisProxy(redis, FieldPaths.Join(path, "prefix_routes")),
            _ => [],
        };
    }

    private static IEnumerable<ResourceReference> OfConnectionManager(HttpConnectionManager manager, string path)
    {
        if (manager.Rds is { } rds)
        {
            return [new ResourceReference(FieldPaths.Join(path, "rds.route_config_name"), ResourceKind.Route, rds.RouteConfigName)];
        }

        return manager.RouteConfig is { } inline ? Of(inline, FieldPaths.Join(path, "route_config")) : [];
    }

    private static IEnumerable<ResourceReference> OfTcpProxy(TcpProxy proxy, string path)
    {
        if (proxy.ClusterSpecifierCase == TcpProxy.ClusterSpecifierOneofCase.Cluster)
        {
            yield return Cluster(FieldPaths.Join(path, "cluster"), proxy.Cluster);
        }

        var weighted = proxy.WeightedClusters?.Clusters ?? [];
        for (var i = 0; i < weighted.Count; i++)
        {
            yield return Cluster(FieldPaths.Join(FieldPaths.Index(FieldPaths.Join(path, "weighted_clusters.clusters"), i), "name"), weighted[i].Name);
        }
    }

    private static IEnumerable<ResourceReference> OfRedisProxy(RedisProxy redis, string path)
    {
        var routes = redis.PrefixRoutes?.Routes.Select((route, i) => (route, FieldPaths.Index(FieldPaths.Join(path, "routes"), i)))
            ?? [];
        if (redis.PrefixRoutes?.CatchAllRoute is { } catchAll)
        {
            routes = routes.Append((catchAll, FieldPaths.Join(path, "catch_all_route")));
        }

        foreach (var (route, routePath) in routes)
        {
            yield return Cluster(FieldPaths.Join(routePath, "cluster"), route.Cluster);
            for (var i = 0; i < route.RequestMirrorPolicy.Count; i++)
            {
                var mirrorPath = FieldPaths.Join(FieldPaths.Index(FieldPaths.Join(routePath, "request_mirror_policy"), i), "cluster");
                yield return Cluster(mirrorPath, route.RequestMirrorPolicy[i].Cluster);
            }
        }
    }

    private static ResourceReference Cluster(string path, string name) => new(path, ResourceKind.Cluster, name);
}
