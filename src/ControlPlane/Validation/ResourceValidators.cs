using ControlPlane.Configuration;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using FluentValidation;
using Google.Protobuf;

namespace ControlPlane.Validation;

/// <summary>
/// Validates a change: each resource it writes on its own, then the references across the whole
/// candidate configuration. Reports every problem, each under its field path.
/// </summary>
internal sealed class ResourceValidators(
    IValidator<Cluster> clusters,
    IValidator<ClusterLoadAssignment> endpoints,
    IValidator<Listener> listeners,
    IValidator<RouteConfiguration> routes,
    IValidator<ConfigState> references)
{
    /// <summary>
    /// Rejects names the operator API could not address again. Envoy accepts any string, but a
    /// resource is read and deleted through its name in a URL path segment, and control characters
    /// would also corrupt logs and the agent's stats output.
    /// </summary>
    internal static string? NameProblem(string name) =>
        name.Any(c => c == '/' || char.IsControl(c))
            ? "must not contain '/' or control characters: the operator API addresses each resource by its name in the URL path"
            : null;

    /// <summary>Validates one resource on its own.</summary>
    public List<FieldProblem> Validate(IMessage resource)
    {
        var result = resource switch
        {
            Cluster cluster => clusters.Validate(cluster),
            ClusterLoadAssignment assignment => endpoints.Validate(assignment),
            Listener listener => listeners.Validate(listener),
            RouteConfiguration routeConfiguration => routes.Validate(routeConfiguration),
            _ => throw new ArgumentException($"unsupported resource type {resource.Descriptor.FullName}", nameof(resource)),
        };

        return result.Errors.Select(error => new FieldProblem(error.PropertyName, error.ErrorMessage)).ToList();
    }

    /// <summary>
    /// Returns Invalid with every problem of the written resources and of the references they hold,
    /// Conflict when only resources the change left alone lost a reference target (a deletion), or
    /// Applied.
    /// </summary>
    public (ChangeStatus Status, List<FieldProblem> Problems) ValidateChange(
        ConfigState current, ConfigState candidate, IReadOnlyList<ConfigEdit> edits)
    {
        var invalid = new List<FieldProblem>();
        var written = new Dictionary<(ResourceKind, string), ConfigEdit>();
        foreach (var edit in edits.Where(edit => edit.Resource is not null))
        {
            if (!written.TryAdd((edit.Kind, edit.Name), edit))
            {
                invalid.Add(new(FieldPaths.Join(edit.PathPrefix, "name"), $"repeats {edit.Kind.Noun()} '{edit.Name}', which this change already writes"));
                continue;
            }

            if (NameProblem(edit.Name) is { } nameProblem)
            {
                invalid.Add(new(FieldPaths.Join(edit.PathPrefix, "name"), nameProblem));
            }

            invalid.AddRange(Validate(edit.Resource!).Select(p => p with { Path = FieldPaths.Join(edit.PathPrefix, p.Path) }));
            if (edit.Kind == ResourceKind.Endpoints)
            {
                CheckEndpointsCluster(candidate, edit, invalid);
            }
        }

        var conflicts = CheckReferences(candidate, written, invalid);
        if (invalid.Count > 0)
        {
            return (ChangeStatus.Invalid, invalid);
        }

        return conflicts.Count > 0 ? (ChangeStatus.Conflict, conflicts) : (ChangeStatus.Applied, []);
    }

    private void CheckEndpointsCluster(ConfigState candidate, ConfigEdit edit, List<FieldProblem> invalid)
    {
        if (!candidate.Clusters.TryGetValue(edit.Name, out var cluster))
        {
            invalid.Add(new(FieldPaths.Join(edit.PathPrefix, "cluster_name"), $"names cluster '{edit.Name}', which does not exist"));
        }
        else if (EdsConversion.IsDeclaredEds(cluster))
        {
            EndpointRules.CheckIpAddresses((ClusterLoadAssignment)edit.Resource!, edit.PathPrefix, invalid);
        }
        else
        {
            // The endpoints became the cluster's inline load_assignment, so the cluster's own rules
            // (IP addresses unless DNS, one endpoint for LOGICAL_DNS) apply to them.
            const string inline = "load_assignment";
            var problems = clusters.Validate(cluster).Errors
                .Where(error => error.PropertyName.StartsWith(inline, StringComparison.Ordinal))
                .Select(error => new FieldProblem(
                    FieldPaths.Join(edit.PathPrefix, error.PropertyName[inline.Length..].TrimStart('.')), error.ErrorMessage));
            invalid.AddRange(problems);
        }
    }

    private List<FieldProblem> CheckReferences(
        ConfigState candidate, Dictionary<(ResourceKind, string), ConfigEdit> written, List<FieldProblem> invalid)
    {
        var conflicts = new List<FieldProblem>();
        foreach (var failure in references.Validate(candidate).Errors)
        {
            var referrer = (Referrer)failure.CustomState;
            if (written.TryGetValue((referrer.Kind, referrer.Name), out var edit))
            {
                invalid.Add(new(FieldPaths.Join(edit.PathPrefix, failure.PropertyName), failure.ErrorMessage));
            }
            else
            {
                // The target existed before, so this change deletes it.
                conflicts.Add(new("name", $"is still referenced by {referrer.Kind.Noun()} '{referrer.Name}' at {failure.PropertyName}"));
            }
        }

        return conflicts;
    }
}
