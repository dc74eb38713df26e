using ControlPlane.Configuration;
using Envoy.Config.Cluster.V3;
using RedisHealthChecker = Envoy.Extensions.HealthCheckers.Redis.V3.Redis;
using Envoy.Extensions.Upstreams.Http.V3;
using FluentValidation;
using Google.Protobuf.WellKnownTypes;

namespace ControlPlane.Validation;

/// <summary>Envoy's proto rules for a Cluster, plus the rules Envoy applies when it builds one.</summary>
internal sealed class ClusterValidator : AbstractValidator<Cluster>
{
    private static readonly string HttpProtocolOptionsName = HttpProtocolOptions.Descriptor.FullName;

    public ClusterValidator()
    {
        this.SatisfyEnvoyProtoRules();

        RuleFor(cluster => cluster.LoadAssignment)
            .NotNull()
            .When(cluster => EdsConversion.IsStatic(cluster) || IsDns(cluster))
            .OverridePropertyName("load_assignment")
            .WithMessage("is required for a STATIC, STRICT_DNS or LOGICAL_DNS cluster: it lists the cluster's endpoints");

        RuleFor(cluster => cluster.ClusterType)
            .Null()
            .OverridePropertyName("cluster_type")
            .WithMessage("names a custom cluster type, which the control plane does not support; use type STATIC, STRICT_DNS, LOGICAL_DNS or EDS");

        this.RuleForProblems((cluster, problems) =>
        {
            if (cluster.LoadAssignment is { } assignment)
            {
                var ipOnly = !IsDns(cluster);
                EndpointRules.Check(assignment, "load_assignment", ipOnly, problems);
                CheckLogicalDns(cluster, problems);
            }
        });

        this.RuleForProblems((cluster, problems) => OutlierRules.Check(cluster.OutlierDetection, problems));
        this.RuleForProblems(CheckHealthCheckers);
        this.RuleForProblems(CheckProtocolOptions);
    }

    private static bool IsDns(Cluster cluster) =>
        cluster.ClusterDiscoveryTypeCase == Cluster.ClusterDiscoveryTypeOneofCase.Type
        && cluster.Type is Cluster.Types.DiscoveryType.StrictDns or Cluster.Types.DiscoveryType.LogicalDns;

    private static void CheckLogicalDns(Cluster cluster, List<FieldProblem> problems)
    {
        var endpointCount = cluster.LoadAssignment.Endpoints.Sum(locality => locality.LbEndpoints.Count);
        if (cluster.Type == Cluster.Types.DiscoveryType.LogicalDns && endpointCount != 1)
        {
            problems.Add(new("load_assignment.endpoints", $"must contain exactly one endpoint for a LOGICAL_DNS cluster, found {endpointCount}"));
        }
    }

    private static void CheckHealthCheckers(Cluster cluster, List<FieldProblem> problems)
    {
        for (var i = 0; i < cluster.HealthChecks.Count; i++)
        {
            var custom = cluster.HealthChecks[i].CustomHealthCheck;
            if (custom?.TypedConfig is { } typed && !typed.Is(RedisHealthChecker.Descriptor))
            {
                problems.Add(new(
                    $"health_checks[{i}].custom_health_check.typed_config.@type",
                    $"names the health checker type '{typed.TypeUrl}', which the product does not support; use {Any.Pack(new RedisHealthChecker()).TypeUrl}"));
            }
        }
    }

    private static void CheckProtocolOptions(Cluster cluster, List<FieldProblem> problems)
    {
        foreach (var (key, value) in cluster.TypedExtensionProtocolOptions)
        {
            var path = FieldPaths.Key("typed_extension_protocol_options", key);
            if (key != "envoy.extensions.upstreams.http.v3.HttpProtocolOptions" || !value.Is(HttpProtocolOptions.Descriptor))
            {
                problems.Add(new(path, $"the product supports only the key and type {HttpProtocolOptionsName}"));
            }
        }
    }
}
