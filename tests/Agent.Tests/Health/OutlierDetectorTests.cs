using System.Net;
using Agent.Clusters;
using Agent.Health;
using Agent.Stats;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Agent.Tests.Health;

public sealed class OutlierDetectorTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly StatsStore _stats = new();

    private (OutlierDetector Detector, List<UpstreamHost> Hosts) Create(OutlierSettings settings, int hostCount)
    {
        var clusterStats = new ClusterStats(_stats, "web");
        var hosts = Enumerable.Range(1, hostCount).Select(i => new UpstreamHost(new IPEndPoint(IPAddress.Loopback, 8080 + i), clusterStats)).ToList();
        var detector = new OutlierDetector(settings, "web", () => hosts, _stats, _time, NullLogger.Instance);
        hosts.ForEach(h => h.OutcomeSink = detector);
        return (detector, hosts);
    }

    [Fact]
    public void Consecutive5xx_ReachesThreshold_EjectsAndReturnsAfterBaseEjectionTime()
    {
        var settings = new OutlierSettings { Consecutive5xx = 3, Interval = TimeSpan.FromSeconds(1), BaseEjectionTime = TimeSpan.FromSeconds(5), MaxEjectionPercent = 50 };
        var (detector, hosts) = Create(settings, 2);
        using var _ = detector;

        hosts[0].RecordHttpStatus(500);
        hosts[0].RecordHttpStatus(500);
        Assert.False(hosts[0].Flags.HasFlag(HostHealthFlags.FailedOutlierCheck));
        hosts[0].RecordHttpStatus(500);

        Assert.True(hosts[0].Flags.HasFlag(HostHealthFlags.FailedOutlierCheck));
        Assert.Equal(1, _stats.Gauge("cluster.web.outlier_detection.ejections_active").Value);
        Assert.Equal(1, _stats.Counter("cluster.web.outlier_detection.ejections_enforced_consecutive_5xx").Value);

        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.True(hosts[0].Flags.HasFlag(HostHealthFlags.FailedOutlierCheck));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(hosts[0].Flags.HasFlag(HostHealthFlags.FailedOutlierCheck));
        Assert.Equal(0, _stats.Gauge("cluster.web.outlier_detection.ejections_active").Value);
    }

    [Fact]
    public void Consecutive5xx_SuccessInBetween_ResetsCount()
    {
        var (detector, hosts) = Create(new OutlierSettings { Consecutive5xx = 2, MaxEjectionPercent = 100 }, 1);
        using var _ = detector;

        hosts[0].RecordHttpStatus(503);
        hosts[0].RecordHttpStatus(200);
        hosts[0].RecordHttpStatus(503);

        Assert.True(hosts[0].IsHealthy);
    }

    [Fact]
    public void MaxEjectionPercent_TenPercentOfTwoHosts_StillEjectsOne()
    {
        var (detector, hosts) = Create(new OutlierSettings { Consecutive5xx = 1, AlwaysEjectOneHost = true }, 2);
        using var _ = detector;

        hosts[0].RecordHttpStatus(500);
        hosts[1].RecordHttpStatus(500);

        Assert.False(hosts[0].IsHealthy);
        Assert.True(hosts[1].IsHealthy);
        Assert.Equal(1, _stats.Counter("cluster.web.outlier_detection.ejections_overflow").Value);
    }

    [Fact]
    public void MaxEjectionPercent_TenPercentOfTwoHostsWithoutAlwaysEjectOne_EjectsNone()
    {
        // Envoy treats max_ejection_percent as a strict cap: ejecting one of two hosts would put
        // 50% out of service, so only always_eject_one_host allows it.
        var (detector, hosts) = Create(new OutlierSettings { Consecutive5xx = 1 }, 2);
        using var _ = detector;

        hosts[0].RecordHttpStatus(500);

        Assert.True(hosts[0].IsHealthy);
        Assert.Equal(1, _stats.Counter("cluster.web.outlier_detection.ejections_overflow").Value);
    }

    [Fact]
    public void MaxEjectionPercent_TenPercentOfTenHosts_EjectsOne()
    {
        var (detector, hosts) = Create(new OutlierSettings { Consecutive5xx = 1 }, 10);
        using var _ = detector;

        hosts[0].RecordHttpStatus(500);
        hosts[1].RecordHttpStatus(500);

        Assert.False(hosts[0].IsHealthy);
        Assert.True(hosts[1].IsHealthy);
    }

    [Fact]
    public void LocalOriginFailure_SplitEnabled_UsesLocalOriginThreshold()
    {
        var settings = new OutlierSettings { SplitExternalLocalOriginErrors = true, ConsecutiveLocalOriginFailure = 1, MaxEjectionPercent = 100 };
        var (detector, hosts) = Create(settings, 1);
        using var _ = detector;

        hosts[0].RecordLocalOriginFailure(LocalOriginFailure.ConnectFailed);

        Assert.True(hosts[0].Flags.HasFlag(HostHealthFlags.FailedOutlierCheck));
        Assert.Equal(1, _stats.Counter("cluster.web.outlier_detection.ejections_enforced_consecutive_local_origin_failure").Value);
    }

    [Fact]
    public void LocalOriginFailure_SplitDisabled_CountsAsGatewayFailure()
    {
        var (detector, hosts) = Create(new OutlierSettings { Consecutive5xx = 2, MaxEjectionPercent = 100 }, 1);
        using var _ = detector;

        hosts[0].RecordLocalOriginFailure(LocalOriginFailure.ConnectFailed);
        hosts[0].RecordLocalOriginFailure(LocalOriginFailure.ConnectFailed);

        Assert.False(hosts[0].IsHealthy);
        Assert.Equal(1, _stats.Counter("cluster.web.outlier_detection.ejections_detected_consecutive_5xx").Value);
    }

    [Fact]
    public void EjectionDuration_RepeatedEjections_MultipliesAndCaps()
    {
        var settings = new OutlierSettings { BaseEjectionTime = TimeSpan.FromSeconds(30), MaxEjectionTime = TimeSpan.FromSeconds(100) };
        var (detector, _) = Create(settings, 1);
        using var __ = detector;

        Assert.Equal(TimeSpan.FromSeconds(30), detector.EjectionDuration(1));
        Assert.Equal(TimeSpan.FromSeconds(90), detector.EjectionDuration(3));
        Assert.Equal(TimeSpan.FromSeconds(100), detector.EjectionDuration(4));
    }

    [Fact]
    public void EjectionMultiplier_ManyEjectionsThenCleanIntervals_ReturnsToBaseTime()
    {
        // Envoy stops raising the multiplier once the ejection time reaches max_ejection_time, so
        // about max/base clean intervals bring it back to base_ejection_time.
        var settings = new OutlierSettings
        {
            Consecutive5xx = 1,
            Interval = TimeSpan.FromSeconds(1),
            BaseEjectionTime = TimeSpan.FromSeconds(2),
            MaxEjectionTime = TimeSpan.FromSeconds(4),
            MaxEjectionPercent = 100,
        };
        var (detector, hosts) = Create(settings, 1);
        using var _ = detector;
        for (var ejection = 0; ejection < 20; ejection++)
        {
            hosts[0].RecordHttpStatus(500);
            for (var tick = 0; tick < 10 && !hosts[0].IsHealthy; tick++)
            {
                _time.Advance(TimeSpan.FromSeconds(1));
            }

            Assert.True(hosts[0].IsHealthy);
        }

        _time.Advance(TimeSpan.FromSeconds(8));
        hosts[0].RecordHttpStatus(500);
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.True(hosts[0].IsHealthy);
    }

    [Fact]
    public void SuccessRate_OneHostFarBelowMean_IsEjectedOnInterval()
    {
        var settings = new OutlierSettings { SuccessRateMinimumHosts = 5, SuccessRateRequestVolume = 10, MaxEjectionPercent = 50, Consecutive5xx = 1000 };
        var (detector, hosts) = Create(settings, 5);
        using var _ = detector;
        foreach (var host in hosts)
        {
            for (var i = 0; i < 20; i++)
            {
                host.RecordHttpStatus(host == hosts[4] && i % 2 == 0 ? 500 : 200);
            }
        }

        detector.OnIntervalTick();

        Assert.False(hosts[4].IsHealthy);
        Assert.All(hosts.Take(4), h => Assert.True(h.IsHealthy));
        Assert.Equal(1, _stats.Counter("cluster.web.outlier_detection.ejections_enforced_success_rate").Value);
    }
}
