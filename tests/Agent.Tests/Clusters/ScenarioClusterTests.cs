using Agent.Clusters;
using Agent.Health;
using Envoy.Api.Serialization;
using Envoy.Config.Cluster.V3;

namespace Agent.Tests.Clusters;

public sealed class ScenarioClusterTests
{
    [Fact]
    public void From_ReferenceWebCluster_ReadsOutlierAndHealthCheckFields()
    {
        const string yaml = """
            name: web
            type: EDS
            eds_cluster_config: { eds_config: { ads: {}, resource_api_version: V3 } }
            connect_timeout: 1s
            lb_policy: ROUND_ROBIN
            outlier_detection: { consecutive_5xx: 1, interval: 1s, base_ejection_time: 5s, max_ejection_percent: 50 }
            health_checks:
              - timeout: 1s
                interval: 1s
                unhealthy_threshold: 1
                healthy_threshold: 1
                http_health_check: { path: /healthz }
            """;
        var errors = new List<string>();

        var settings = ClusterSettings.From(EnvoyJson.ParseYaml<Cluster>(yaml), errors);

        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromSeconds(1), settings!.ConnectTimeout);
        var outlier = settings.Outlier!;
        Assert.Equal(1, outlier.Consecutive5xx);
        Assert.Equal(TimeSpan.FromSeconds(5), outlier.BaseEjectionTime);
        Assert.Equal(50, outlier.MaxEjectionPercent);
        Assert.Equal(5, outlier.ConsecutiveGatewayFailure);
        Assert.Equal(0, outlier.EnforcingConsecutiveGatewayFailure);
        Assert.Equal(TimeSpan.FromSeconds(300), outlier.MaxEjectionTime);
        var check = Assert.Single(settings.HealthChecks);
        Assert.Equal(HealthCheckKind.Http, check.Kind);
        Assert.Equal("/healthz", check.HttpPath);
        Assert.Equal([(200L, 300L)], check.ExpectedStatuses);
    }

    [Fact]
    public void From_ReferencePrimaryCluster_ReadsRedisCheckAndLocalOriginSplit()
    {
        const string yaml = """
            name: primary
            type: EDS
            eds_cluster_config: { eds_config: { ads: {}, resource_api_version: V3 } }
            connect_timeout: 1s
            health_checks:
              - timeout: 0.5s
                interval: 1s
                unhealthy_threshold: 1
                healthy_threshold: 1
                custom_health_check:
                  name: envoy.health_checkers.redis
                  typed_config: { "@type": type.googleapis.com/envoy.extensions.health_checkers.redis.v3.Redis }
            outlier_detection: { split_external_local_origin_errors: true, consecutive_local_origin_failure: 1, base_ejection_time: 5s }
            """;
        var errors = new List<string>();

        var settings = ClusterSettings.From(EnvoyJson.ParseYaml<Cluster>(yaml), errors);

        Assert.Empty(errors);
        var check = Assert.Single(settings!.HealthChecks);
        Assert.Equal(HealthCheckKind.Redis, check.Kind);
        Assert.Null(check.RedisKey);
        Assert.Equal(TimeSpan.FromMilliseconds(500), check.Timeout);
        Assert.True(settings.Outlier!.SplitExternalLocalOriginErrors);
        Assert.Equal(1, settings.Outlier.ConsecutiveLocalOriginFailure);
    }
}
