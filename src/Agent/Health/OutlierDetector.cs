using Agent.Clusters;
using Agent.Stats;

namespace Agent.Health;

/// <summary>
/// Envoy's outlier detection for one cluster. Consecutive 5xx, gateway and local-origin failures
/// eject a host as they happen. Success rate and failure percentage are checked on each interval
/// tick, which also returns hosts whose ejection time has passed.
/// </summary>
internal sealed class OutlierDetector : IHostOutcomeSink, IDisposable
{
    // Lock order: _lock is taken alone; no other lock is held while holding it.
    private readonly object _lock = new();
    private readonly OutlierSettings _settings;
    private readonly TimeProvider _time;
    private readonly StatsStore _stats;
    private readonly string _prefix;
    private readonly Func<IReadOnlyList<UpstreamHost>> _hosts;
    private readonly Random _random;
    private readonly ITimer _timer;
    private readonly ILogger _logger;

    public OutlierDetector(
        OutlierSettings settings,
        string clusterName,
        Func<IReadOnlyList<UpstreamHost>> hosts,
        StatsStore stats,
        TimeProvider time,
        ILogger logger,
        Random? random = null)
    {
        _settings = settings;
        _hosts = hosts;
        _stats = stats;
        _time = time;
        _logger = logger;
        _random = random ?? Random.Shared;
        _prefix = $"cluster.{clusterName}.outlier_detection.";
        ClusterName = clusterName;
        _stats.Gauge(_prefix + "ejections_active");
        _timer = time.CreateTimer(_ => OnIntervalTick(), null, settings.Interval, settings.Interval);
    }

    public string ClusterName { get; }

    public OutlierSettings Settings => _settings;

    public void OnHttpStatus(UpstreamHost host, int statusCode)
    {
        lock (_lock)
        {
            if (statusCode < 500)
            {
                host.Outlier.ExternalSuccess++;
                host.Outlier.Consecutive5xx = 0;
                host.Outlier.ConsecutiveGatewayFailure = 0;
                return;
            }

            host.Outlier.ExternalFailure++;
            CountExternalFailure(host, isGatewayFailure: statusCode is 502 or 503 or 504);
        }
    }

    public void OnLocalOriginFailure(UpstreamHost host, LocalOriginFailure failure)
    {
        lock (_lock)
        {
            if (!_settings.SplitExternalLocalOriginErrors)
            {
                // Without the split, Envoy maps a local-origin failure to a gateway error (503/504).
                host.Outlier.ExternalFailure++;
                CountExternalFailure(host, isGatewayFailure: true);
                return;
            }

            host.Outlier.LocalFailure++;
            host.Outlier.ConsecutiveLocalOriginFailure++;
            if (host.Outlier.ConsecutiveLocalOriginFailure >= _settings.ConsecutiveLocalOriginFailure)
            {
                host.Outlier.ConsecutiveLocalOriginFailure = 0;
                TryEject(host, EjectionReason.ConsecutiveLocalOriginFailure, _settings.EnforcingConsecutiveLocalOriginFailure);
            }
        }
    }

    public void OnSuccess(UpstreamHost host)
    {
        lock (_lock)
        {
            if (_settings.SplitExternalLocalOriginErrors)
            {
                host.Outlier.LocalSuccess++;
                host.Outlier.ConsecutiveLocalOriginFailure = 0;
            }
            else
            {
                host.Outlier.ExternalSuccess++;
                host.Outlier.Consecutive5xx = 0;
                host.Outlier.ConsecutiveGatewayFailure = 0;
            }
        }
    }

    /// <summary>Returns an ejected host to service after a passing active health check, as Envoy does by default.</summary>
    public void OnActiveHealthCheckSuccess(UpstreamHost host)
    {
        if (!_settings.SuccessfulActiveHealthCheckUnejectHost)
        {
            return;
        }

        lock (_lock)
        {
            if (host.Outlier.IsEjected)
            {
                Uneject(host);
            }
        }
    }

    /// <summary>Drops a host that left the cluster from the ejection count.</summary>
    public void OnHostRemoved(UpstreamHost host)
    {
        lock (_lock)
        {
            if (host.Outlier.IsEjected)
            {
                host.Outlier.EjectedAt = null;
                _stats.Gauge(_prefix + "ejections_active").Decrement();
            }
        }
    }

    /// <summary>Runs one interval sweep: unejects hosts whose time has passed, then runs the statistical detectors.</summary>
    public void OnIntervalTick()
    {
        lock (_lock)
        {
            var hosts = _hosts();
            var now = _time.GetUtcNow();
            foreach (var host in hosts)
            {
                UnejectIfDue(host, now);
            }

            RunSuccessRate(hosts, local: false);
            RunFailurePercentage(hosts, local: false);
            if (_settings.SplitExternalLocalOriginErrors)
            {
                RunSuccessRate(hosts, local: true);
                RunFailurePercentage(hosts, local: true);
            }

            foreach (var host in hosts)
            {
                host.Outlier.ResetInterval();
            }
        }
    }

    public void Dispose() => _timer.Dispose();

    private void CountExternalFailure(UpstreamHost host, bool isGatewayFailure)
    {
        var state = host.Outlier;
        state.Consecutive5xx++;
        state.ConsecutiveGatewayFailure = isGatewayFailure ? state.ConsecutiveGatewayFailure + 1 : 0;
        if (isGatewayFailure && state.ConsecutiveGatewayFailure >= _settings.ConsecutiveGatewayFailure)
        {
            state.ConsecutiveGatewayFailure = 0;
            if (TryEject(host, EjectionReason.ConsecutiveGatewayFailure, _settings.EnforcingConsecutiveGatewayFailure))
            {
                return;
            }
        }

        if (state.Consecutive5xx >= _settings.Consecutive5xx)
        {
            state.Consecutive5xx = 0;
            TryEject(host, EjectionReason.Consecutive5xx, _settings.EnforcingConsecutive5xx);
        }
    }

    private void UnejectIfDue(UpstreamHost host, DateTimeOffset now)
    {
        var state = host.Outlier;
        if (state.EjectedAt is { } ejectedAt)
        {
            if (now >= ejectedAt + EjectionDuration(state.EjectionCount))
            {
                Uneject(host);
            }
        }
        else if (state.EjectionCount > 0 && state.ExternalFailure + state.LocalFailure == 0)
        {
            // A host that stays in service sheds one ejection a clean interval, so the next
            // ejection time backs off from a lower multiple of base_ejection_time.
            state.EjectionCount--;
        }
    }

    /// <summary>base_ejection_time times the number of ejections, capped at max_ejection_time.</summary>
    public TimeSpan EjectionDuration(int ejectionCount)
    {
        var duration = _settings.BaseEjectionTime * Math.Max(1, ejectionCount);
        return duration > _settings.MaxEjectionTime ? _settings.MaxEjectionTime : duration;
    }

    private bool TryEject(UpstreamHost host, EjectionReason reason, int enforcingPercent)
    {
        if (host.Outlier.IsEjected)
        {
            return false;
        }

        var suffix = StatSuffix(reason);
        _stats.Counter(_prefix + "ejections_detected_" + suffix).Increment();
        if (enforcingPercent <= 0 || _random.Next(100) >= enforcingPercent || !EjectionAllowed())
        {
            if (enforcingPercent > 0)
            {
                _stats.Counter(_prefix + "ejections_overflow").Increment();
            }

            return false;
        }

        // The multiplier stops growing once the ejection time reaches max_ejection_time, as in
        // Envoy, so a host that stays healthy returns to base_ejection_time in about max/base intervals.
        if (_settings.BaseEjectionTime * host.Outlier.EjectionCount < _settings.MaxEjectionTime)
        {
            host.Outlier.EjectionCount++;
        }

        host.Outlier.EjectedAt = _time.GetUtcNow();
        host.SetFlag(HostHealthFlags.FailedOutlierCheck, true);
        _stats.Counter(_prefix + "ejections_enforced_total").Increment();
        _stats.Counter(_prefix + "ejections_enforced_" + suffix).Increment();
        _stats.Gauge(_prefix + "ejections_active").Increment();
        AgentHealthLog.HostEjected(_logger, ClusterName, host.AddressText, suffix, EjectionDuration(host.Outlier.EjectionCount));
        return true;
    }

    // max_ejection_percent caps the share out of service after this ejection, so a cluster too
    // small for the percentage to cover one host loses none. always_eject_one_host allows the
    // first ejection regardless, as Envoy documents for both fields.
    private bool EjectionAllowed()
    {
        var hosts = _hosts();
        if (hosts.Count == 0)
        {
            return false;
        }

        var active = hosts.Count(h => h.Outlier.IsEjected);
        var ejectedPercent = 100.0 * (active + 1) / hosts.Count;
        return ejectedPercent <= _settings.MaxEjectionPercent || (_settings.AlwaysEjectOneHost && active == 0);
    }

    private void Uneject(UpstreamHost host)
    {
        host.Outlier.EjectedAt = null;
        host.Outlier.Consecutive5xx = 0;
        host.Outlier.ConsecutiveGatewayFailure = 0;
        host.Outlier.ConsecutiveLocalOriginFailure = 0;
        host.SetFlag(HostHealthFlags.FailedOutlierCheck, false);
        _stats.Gauge(_prefix + "ejections_active").Decrement();
        AgentHealthLog.HostUnejected(_logger, ClusterName, host.AddressText);
    }

    private void RunSuccessRate(IReadOnlyList<UpstreamHost> hosts, bool local)
    {
        var enforcing = local ? _settings.EnforcingLocalOriginSuccessRate : _settings.EnforcingSuccessRate;
        var rates = new List<(UpstreamHost Host, double Rate)>();
        foreach (var host in hosts)
        {
            var (success, failure) = Outcomes(host, local);
            if (success + failure >= _settings.SuccessRateRequestVolume)
            {
                rates.Add((host, 100.0 * success / (success + failure)));
            }
        }

        if (rates.Count < _settings.SuccessRateMinimumHosts || rates.Count == 0)
        {
            return;
        }

        var mean = rates.Average(r => r.Rate);
        var stdev = Math.Sqrt(rates.Average(r => (r.Rate - mean) * (r.Rate - mean)));
        var threshold = mean - (_settings.SuccessRateStdevFactor / 1000.0 * stdev);
        foreach (var (host, rate) in rates.Where(r => r.Rate < threshold))
        {
            TryEject(host, local ? EjectionReason.LocalOriginSuccessRate : EjectionReason.SuccessRate, enforcing);
        }
    }

    private void RunFailurePercentage(IReadOnlyList<UpstreamHost> hosts, bool local)
    {
        var enforcing = local ? _settings.EnforcingFailurePercentageLocalOrigin : _settings.EnforcingFailurePercentage;
        var candidates = hosts
            .Select(h => (Host: h, Outcome: Outcomes(h, local)))
            .Where(c => c.Outcome.Success + c.Outcome.Failure >= _settings.FailurePercentageRequestVolume)
            .ToList();
        if (candidates.Count < _settings.FailurePercentageMinimumHosts)
        {
            return;
        }

        foreach (var (host, (success, failure)) in candidates)
        {
            if (100.0 * failure / (success + failure) >= _settings.FailurePercentageThreshold)
            {
                TryEject(host, local ? EjectionReason.LocalOriginFailurePercentage : EjectionReason.FailurePercentage, enforcing);
            }
        }
    }

    // Without the split, local-origin outcomes were already counted as external ones.
    private static (long Success, long Failure) Outcomes(UpstreamHost host, bool local) =>
        local
            ? (host.Outlier.LocalSuccess, host.Outlier.LocalFailure)
            : (host.Outlier.ExternalSuccess, host.Outlier.ExternalFailure);

    private static string StatSuffix(EjectionReason reason) => reason switch
    {
        EjectionReason.Consecutive5xx => "consecutive_5xx",
        EjectionReason.ConsecutiveGatewayFailure => "consecutive_gateway_failure",
        EjectionReason.ConsecutiveLocalOriginFailure => "consecutive_local_origin_failure",
        EjectionReason.SuccessRate => "success_rate",
        EjectionReason.LocalOriginSuccessRate => "local_origin_success_rate",
        EjectionReason.FailurePercentage => "failure_percentage",
        _ => "local_origin_failure_percentage",
    };
}
