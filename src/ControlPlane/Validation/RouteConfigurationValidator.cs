using Envoy.Config.Route.V3;
using FluentValidation;

namespace ControlPlane.Validation;

/// <summary>Envoy's proto rules for a RouteConfiguration, plus <see cref="RouteConfigurationRules"/>.</summary>
internal sealed class RouteConfigurationValidator : AbstractValidator<RouteConfiguration>
{
    public RouteConfigurationValidator()
    {
        this.SatisfyEnvoyProtoRules();
        this.RuleForProblems((routes, problems) => RouteConfigurationRules.Check(routes, "", problems));
    }
}

/// <summary>
/// Rules Envoy applies when it builds a route table: unique virtual host names, each domain in one
/// virtual host only, and weighted clusters whose weights add up to more than 0.
/// </summary>
internal static class RouteConfigurationRules
{
    public static void Check(RouteConfiguration routes, string path, List<FieldProblem> problems)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var v = 0; v < routes.VirtualHosts.Count; v++)
        {
            var host = routes.VirtualHosts[v];
            var hostPath = FieldPaths.Index(FieldPaths.Join(path, "virtual_hosts"), v);
            if (!names.Add(host.Name))
            {
                problems.Add(new(FieldPaths.Join(hostPath, "name"), $"repeats the virtual host name '{host.Name}'"));
            }

            for (var d = 0; d < host.Domains.Count; d++)
            {
                if (!domains.Add(host.Domains[d]))
                {
                    problems.Add(new(FieldPaths.Index(FieldPaths.Join(hostPath, "domains"), d), $"repeats the domain '{host.Domains[d]}'"));
                }
            }

            for (var r = 0; r < host.Routes.Count; r++)
            {
                var routePath = FieldPaths.Join(FieldPaths.Index(FieldPaths.Join(hostPath, "routes"), r), "route.weighted_clusters");
                CheckWeights(host.Routes[r].Route_?.WeightedClusters, routePath, problems);
            }
        }
    }

    private static void CheckWeights(WeightedCluster? weighted, string path, List<FieldProblem> problems)
    {
        if (weighted is null || weighted.Clusters.Count == 0)
        {
            return;
        }

        var total = weighted.Clusters.Sum(cluster => (long)(cluster.Weight ?? 0));
        if (total == 0)
        {
            problems.Add(new(FieldPaths.Join(path, "clusters"), "must have weights that add up to more than 0"));
        }
    }
}
