using Envoy.Config.Cluster.V3;

namespace Agent.Health;

/// <summary>A cluster's outlier_detection with Envoy's defaults filled in.</summary>
internal sealed record OutlierSettings
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan BaseEjectionTime { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxEjectionTime { get; init; } = TimeSpan.FromSeconds(300);
    public int MaxEjectionPercent { get; init; } = 10;
    public bool AlwaysEjectOneHost { get; init; }
    public int Consecutive5xx { get; init; } = 5;
    public int EnforcingConsecutive5xx { get; init; } = 100;
    public int ConsecutiveGatewayFailure { get; init; } = 5;
    public int EnforcingConsecutiveGatewayFailure { get; init; }
    public bool SplitExternalLocalOriginErrors { get; init; }
    public int ConsecutiveLocalOriginFailure { get; init; } = 5;
    public int EnforcingConsecutiveLocalOriginFailure { get; init; } = 100;
    public int SuccessRateMinimumHosts { get; init; } = 5;
    public int SuccessRateRequestVolume { get; init; } = 100;
    public int SuccessRateStdevFactor { get; init; } = 1900;
    public int EnforcingSuccessRate { get; init; } = 100;
    public int EnforcingLocalOriginSuccessRate { get; init; } = 100;
    public int FailurePercentageThreshold { get; init; } = 85;
    public int FailurePercentageMinimumHosts { get; init; } = 5;
    public int FailurePercentageRequestVolume { get; init; } = 50;
    public int EnforcingFailurePercentage { get; init; }
    public int EnforcingFailurePercentageLocalOrigin { get; init; }
    public bool SuccessfulActiveHealthCheckUnejectHost { get; init; } = true;

    public static OutlierSettings From(OutlierDetection proto)
    {
        var defaults = new OutlierSettings();
        var baseEjection = proto.BaseEjectionTime?.ToTimeSpan() ?? defaults.BaseEjectionTime;
        var maxEjection = proto.MaxEjectionTime?.ToTimeSpan() ?? defaults.MaxEjectionTime;
        return new OutlierSettings
        {
            Interval = proto.Interval?.ToTimeSpan() ?? defaults.Interval,
            BaseEjectionTime = baseEjection,

            // Envoy raises max_ejection_time to base_ejection_time when it is lower.
            MaxEjectionTime = maxEjection < baseEjection ? baseEjection : maxEjection,
            MaxEjectionPercent = (int)(proto.MaxEjectionPercent ?? 10),
            AlwaysEjectOneHost = proto.AlwaysEjectOneHost ?? false,
            Consecutive5xx = (int)(proto.Consecutive5Xx ?? 5),
            EnforcingConsecutive5xx = (int)(proto.EnforcingConsecutive5Xx ?? 100),
            ConsecutiveGatewayFailure = (int)(proto.ConsecutiveGatewayFailure ?? 5),
            EnforcingConsecutiveGatewayFailure = (int)(proto.EnforcingConsecutiveGatewayFailure ?? 0),
            SplitExternalLocalOriginErrors = proto.SplitExternalLocalOriginErrors,
            ConsecutiveLocalOriginFailure = (int)(proto.ConsecutiveLocalOriginFailure ?? 5),
            EnforcingConsecutiveLocalOriginFailure = (int)(proto.EnforcingConsecutiveLocalOriginFailure ?? 100),
            SuccessRateMinimumHosts = (int)(proto.SuccessRateMinimumHosts ?? 5),
            SuccessRateRequestVolume = (int)(proto.SuccessRateRequestVolume ?? 100),
            SuccessRateStdevFactor = (int)(proto.SuccessRateStdevFactor ?? 1900),
            EnforcingSuccessRate = (int)(proto.EnforcingSuccessRate ?? 100),
            EnforcingLocalOriginSuccessRate = (int)(proto.EnforcingLocalOriginSuccessRate ?? 100),
            FailurePercentageThreshold = (int)(proto.FailurePercentageThreshold ?? 85),
            FailurePercentageMinimumHosts = (int)(proto.FailurePercentageMinimumHosts ?? 5),
            FailurePercentageRequestVolume = (int)(proto.FailurePercentageRequestVolume ?? 50),
            EnforcingFailurePercentage = (int)(proto.EnforcingFailurePercentage ?? 0),
            EnforcingFailurePercentageLocalOrigin = (int)(proto.EnforcingFailurePercentageLocalOrigin ?? 0),
            SuccessfulActiveHealthCheckUnejectHost = proto.SuccessfulActiveHealthCheckUnejectHost ?? true,
        };
    }

    /// <summary>Reports every field outside its valid range.</summary>
    public IEnumerable<string> Validate()
    {
        if (Interval <= TimeSpan.Zero)
        {
            yield return "outlier_detection.interval: must be greater than 0";
        }

        if (BaseEjectionTime <= TimeSpan.Zero)
        {
            yield return "outlier_detection.base_ejection_time: must be greater than 0";
        }

        foreach (var (name, value) in Percentages())
        {
            if (value > 100)
            {
                yield return $"outlier_detection.{name}: {value} is over 100";
            }
        }
    }

    private IEnumerable<(string, int)> Percentages() =>
    [
        ("max_ejection_percent", MaxEjectionPercent),
        ("enforcing_consecutive_5xx", EnforcingConsecutive5xx),
        ("enforcing_consecutive_gateway_failure", EnforcingConsecutiveGatewayFailure),
        ("enforcing_consecutive_local_origin_failure", EnforcingConsecutiveLocalOriginFailure),
        ("enforcing_success_rate", EnforcingSuccessRate),
        ("enforcing_local_origin_success_rate", EnforcingLocalOriginSuccessRate),
        ("failure_percentage_threshold", FailurePercentageThreshold),
        ("enforcing_failure_percentage", EnforcingFailurePercentage),
        ("enforcing_failure_percentage_local_origin", EnforcingFailurePercentageLocalOrigin),
    ];
}
