using Agent.Clusters;
using Envoy.Config.Core.V3;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using Google.Protobuf.WellKnownTypes;
using Yarp.ReverseProxy.Forwarder;
using RouterConfig = Envoy.Extensions.Filters.Http.Router.V3.Router;

namespace Agent.Listeners.Http;

/// <summary>Builds envoy.filters.network.http_connection_manager with an inline route_config or RDS over ADS.</summary>
internal sealed class HttpConnectionManagerFactory(
    RouteConfigStore routeStore,
    IHttpForwarder forwarder,
    UpstreamHttpClients clients) : INetworkFilterFactory
{
    public string TypeUrl => "type.googleapis.com/" + HttpConnectionManager.Descriptor.FullName;

    private static readonly string RouterTypeUrl = "type.googleapis.com/" + RouterConfig.Descriptor.FullName;

    public INetworkFilter Create(Any typedConfig, NetworkFilterContext context)
    {
        var config = typedConfig.Unpack<HttpConnectionManager>();
        var errors = Validate(config);
        RouteTable? inline = null;
        if (config.RouteSpecifierCase == HttpConnectionManager.RouteSpecifierOneofCase.RouteConfig)
        {
            inline = RouteTable.Compile(config.RouteConfig, errors);
        }

        if (errors.Count > 0)
        {
            throw new ConfigRejectedException(string.Join("; ", errors));
        }

        var subscription = inline is null ? routeStore.Subscribe(config.Rds.RouteConfigName) : null;
        Func<RouteTable?> routes = subscription is null ? () => inline : () => subscription.Current;
        var handler = new HttpProxyHandler(routes, context.Clusters, forwarder, clients, context.Stats, config.StatPrefix, context.Time);
        return new HttpConnectionManagerFilter(context.ListenerName, handler, subscription, context.LoggerFactory);
    }

    private static List<string> Validate(HttpConnectionManager config)
    {
        var errors = new List<string>();
        switch (config.RouteSpecifierCase)
        {
            case HttpConnectionManager.RouteSpecifierOneofCase.RouteConfig:
                break;
            case HttpConnectionManager.RouteSpecifierOneofCase.Rds:
                if (string.IsNullOrEmpty(config.Rds.RouteConfigName))
                {
                    errors.Add("http_connection_manager.rds.route_config_name: required");
                }

                if (config.Rds.ConfigSource is { } source && source.ConfigSourceSpecifierCase != ConfigSource.ConfigSourceSpecifierOneofCase.Ads)
                {
                    errors.Add("http_connection_manager.rds.config_source: only 'ads: {}' is supported");
                }

                break;
            default:
                errors.Add($"http_connection_manager: '{config.RouteSpecifierCase}' is not supported; use route_config or rds");
                break;
        }

        if (config.HttpFilters.Count == 0 || config.HttpFilters[^1].TypedConfig?.TypeUrl != RouterTypeUrl)
        {
            errors.Add($"http_connection_manager.http_filters: the last filter must be envoy.filters.http.router ({RouterTypeUrl})");
        }

        foreach (var filter in config.HttpFilters.Take(config.HttpFilters.Count - 1).Where(f => !f.IsOptional))
        {
            // TODO(http): run HTTP filters other than the router.
            errors.Add($"http_connection_manager.http_filters: filter '{filter.Name}' is not supported; only the router is");
        }

        return errors;
    }
}
