using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using FluentValidation;

namespace ControlPlane.Validation;

/// <summary>Envoy's proto rules for a ClusterLoadAssignment, plus the endpoint rules below.</summary>
internal sealed class ClusterLoadAssignmentValidator : AbstractValidator<ClusterLoadAssignment>
{
    public ClusterLoadAssignmentValidator()
    {
        this.SatisfyEnvoyProtoRules();

        // Whether addresses must be IP addresses depends on the cluster's type, which
        // ResourceValidators checks against the candidate configuration.
        this.RuleForProblems((assignment, problems) => EndpointRules.Check(assignment, "", ipOnly: false, problems));
    }
}

/// <summary>The rules Envoy applies to endpoints beyond their proto rules.</summary>
internal static class EndpointRules
{
    public static void Check(ClusterLoadAssignment assignment, string path, bool ipOnly, List<FieldProblem> problems)
    {
        CheckPriorities(assignment, path, problems);
        if (ipOnly)
        {
            CheckIpAddresses(assignment, path, problems);
        }

        for (var i = 0; i < assignment.Endpoints.Count; i++)
        {
            var localityPath = FieldPaths.Index(FieldPaths.Join(path, "endpoints"), i);
            var hosts = assignment.Endpoints[i].LbEndpoints;
            for (var j = 0; j < hosts.Count; j++)
            {
                var hostPath = FieldPaths.Join(FieldPaths.Index(FieldPaths.Join(localityPath, "lb_endpoints"), j), "endpoint.address");
                CheckAddress(hosts[j].Endpoint?.Address, hostPath, problems);
            }
        }
    }

    /// <summary>Reports each endpoint address that is not an IP address, as an EDS or STATIC cluster needs.</summary>
    public static void CheckIpAddresses(ClusterLoadAssignment assignment, string path, List<FieldProblem> problems)
    {
        for (var i = 0; i < assignment.Endpoints.Count; i++)
        {
            var hosts = assignment.Endpoints[i].LbEndpoints;
            for (var j = 0; j < hosts.Count; j++)
            {
                var address = hosts[j].Endpoint?.Address?.SocketAddress?.Address;
                if (address is not null && !Pgv.PgvScalarRules.IsIpAddress(address))
                {
                    problems.Add(new(
                        FieldPaths.Join(path, $"endpoints[{i}].lb_endpoints[{j}].endpoint.address.socket_address.address"),
                        $"must be an IP address, not '{address}': only STRICT_DNS and LOGICAL_DNS clusters resolve hostnames"));
                }
            }
        }
    }

    /// <summary>
    /// Priorities must start at 0 and not skip a level, because Envoy fails over from one priority
    /// to the next and a gap would leave an empty level in between. For example, priorities 0 and 2
    /// are rejected at the locality with priority 2.
    /// </summary>
    private static void CheckPriorities(ClusterLoadAssignment assignment, string path, List<FieldProblem> problems)
    {
        var present = assignment.Endpoints.Select(locality => locality.Priority).ToHashSet();
        for (var i = 0; i < assignment.Endpoints.Count; i++)
        {
            var priority = assignment.Endpoints[i].Priority;
            var missing = Enumerable.Range(0, (int)Math.Min(priority, 1024)).FirstOrDefault(p => !present.Contains((uint)p), -1);
            if (missing >= 0)
            {
                problems.Add(new(
                    FieldPaths.Join(FieldPaths.Index(FieldPaths.Join(path, "endpoints"), i), "priority"),
                    $"is {priority} but no endpoints have priority {missing}; priorities must start at 0 and not skip a level"));
            }
        }
    }

    private static void CheckAddress(Address? address, string path, List<FieldProblem> problems)
    {
        if (address?.SocketAddress is not { } socket)
        {
            problems.Add(new(FieldPaths.Join(path, "socket_address"), "is required: each endpoint needs an address and port"));
            return;
        }

        if (socket.PortSpecifierCase != SocketAddress.PortSpecifierOneofCase.PortValue || socket.PortValue == 0)
        {
            problems.Add(new(FieldPaths.Join(path, "socket_address.port_value"), "is required and must be between 1 and 65535"));
        }
    }
}

/// <summary>Envoy's outlier detection rules that its proto rules do not express.</summary>
internal static class OutlierRules
{
    // Envoy's defaults when the fields are unset.
    private static readonly TimeSpan DefaultBaseEjectionTime = TimeSpan.FromSeconds(30);

    public static void Check(Envoy.Config.Cluster.V3.OutlierDetection? outlier, List<FieldProblem> problems)
    {
        if (outlier?.MaxEjectionTime is not { } max)
        {
            // Unset, Envoy uses 300s or base_ejection_time, whichever is larger.
            return;
        }

        var baseTime = outlier.BaseEjectionTime?.ToTimeSpan() ?? DefaultBaseEjectionTime;
        if (max.ToTimeSpan() < baseTime)
        {
            var source = outlier.BaseEjectionTime is null ? "the default base_ejection_time" : "base_ejection_time";
            problems.Add(new(
                "outlier_detection.max_ejection_time",
                $"is {Pgv.PgvTimeRules.Text(max)} but must not be below {source} ({Pgv.PgvTimeRules.Text(Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(baseTime))})"));
        }
    }
}
