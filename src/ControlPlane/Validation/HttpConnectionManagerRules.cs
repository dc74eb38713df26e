using Envoy.Extensions.Filters.Http.Router.V3;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;

namespace ControlPlane.Validation;

/// <summary>
/// The HTTP connection manager rules beyond its proto rules: the router filter present and last,
/// HTTP filters the product supports, RDS over ADS and an inline route configuration's own rules.
/// </summary>
internal static class HttpConnectionManagerRules
{
    public static void Check(HttpConnectionManager manager, string path, List<FieldProblem> problems)
    {
        CheckHttpFilters(manager, FieldPaths.Join(path, "http_filters"), problems);
        if (manager.Rds is { } rds && rds.ConfigSource?.Ads is null)
        {
            problems.Add(new(FieldPaths.Join(path, "rds.config_source"), "must be {ads: {}}: the control plane serves route configurations over ADS"));
        }

        if (manager.RouteConfig is { } inline)
        {
            RouteConfigurationRules.Check(inline, FieldPaths.Join(path, "route_config"), problems);
        }
    }

    private static void CheckHttpFilters(HttpConnectionManager manager, string path, List<FieldProblem> problems)
    {
        var filters = manager.HttpFilters;
        if (filters.Count == 0 || filters[^1].TypedConfig?.Is(Router.Descriptor) != true)
        {
            problems.Add(new(path, $"must end with the router filter ({Router.Descriptor.FullName})"));
        }

        for (var i = 0; i < filters.Count; i++)
        {
            var typed = filters[i].TypedConfig;
            var filterPath = FieldPaths.Index(path, i);
            if (typed is null)
            {
                problems.Add(new(FieldPaths.Join(filterPath, "typed_config"), "is required"));
            }
            else if (!typed.Is(Router.Descriptor))
            {
                problems.Add(new(FieldPaths.Join(filterPath, "typed_config.@type"), $"names the HTTP filter '{typed.TypeUrl}', which the product does not support; use {Router.Descriptor.FullName}"));
            }
            else if (i != filters.Count - 1)
            {
                problems.Add(new(filterPath, "is the router filter and must be the last HTTP filter"));
            }
        }
    }
}
