using System.Collections.Concurrent;
using Agent.Stats;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;

namespace Agent.Clusters;

/// <summary>The outcome of applying one xDS response: accepted, or rejected with every reason.</summary>
internal sealed record ApplyResult(IReadOnlyList<string> Errors)
{
    public static ApplyResult Accepted { get; } = new([]);

    public bool IsAccepted => Errors.Count == 0;

    public string ErrorDetail => string.Join("; ", Errors);
}

/// <summary>
/// Holds the clusters received over CDS and feeds them their endpoints from EDS. An update is
/// applied whole or not at all: one invalid cluster rejects the response and keeps the previous set.
/// </summary>
internal sealed class ClusterManager(StatsStore stats, TimeProvider time, ILoggerFactory loggers) : IClusterManager, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, UpstreamCluster> _clusters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (ClusterLoadAssignment Assignment, string Version)> _endpoints = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggers.CreateLogger("Agent.Clusters");

    // Lock order: _applyLock serializes updates; readers never take it.
    private readonly SemaphoreSlim _applyLock = new(1, 1);

    public IUpstreamCluster? GetCluster(string name) =>
        _clusters.TryGetValue(name, out var cluster) && cluster.IsWarm ? cluster : null;

    public IReadOnlyCollection<UpstreamCluster> Clusters => _clusters.Values.OrderBy(c => c.Name, StringComparer.Ordinal).ToArray();

    public IReadOnlyDictionary<string, (ClusterLoadAssignment Assignment, string Version)> Endpoints => _endpoints;

    /// <summary>The EDS resource names to subscribe to: each EDS cluster's service_name or name.</summary>
    public IReadOnlySet<string> EdsResourceNames =>
        _clusters.Values.Where(c => c.Settings.UsesEds).Select(c => c.Settings.EdsServiceName).ToHashSet(StringComparer.Ordinal);

    /// <summary>True when every cluster has its endpoints.</summary>
    public bool AllWarm => _clusters.Values.All(c => c.IsWarm);

    /// <summary>Replaces the whole cluster set (CDS is a wildcard, state-of-the-world subscription).</summary>
    public async Task<ApplyResult> ApplyClustersAsync(IReadOnlyList<Cluster> clusters, string version)
    {
        var errors = new List<string>();
        var settings = clusters.Select(c => ClusterSettings.From(c, errors)).ToList();
        foreach (var duplicate in clusters.GroupBy(c => c.Name).Where(g => g.Count() > 1))
        {
            errors.Add($"cluster '{duplicate.Key}': the name appears more than once");
        }

        if (errors.Count > 0)
        {
            return new ApplyResult(errors);
        }

        await _applyLock.WaitAsync();
        try
        {
            await ReplaceClustersAsync(settings.OfType<ClusterSettings>().ToList(), version);
        }
        finally
        {
            _applyLock.Release();
        }

        return ApplyResult.Accepted;
    }

    private async Task ReplaceClustersAsync(List<ClusterSettings> settings, string version)
    {
        var requested = settings.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in _clusters.Keys.Where(n => !requested.Contains(n)).ToList())
        {
            if (_clusters.TryRemove(name, out var removed))
            {
                ClusterLog.ClusterRemoved(_logger, name, version);
                await removed.DisposeAsync();
            }
        }

        foreach (var setting in settings)
        {
            _clusters.TryGetValue(setting.Name, out var current);
            if (current is not null && current.Settings.Source.Equals(setting.Source))
            {
                continue;
            }

            var cluster = new UpstreamCluster(setting, stats, time, loggers, version);
            InitializeHosts(cluster, current);
            _clusters[setting.Name] = cluster;
            cluster.StartHealthChecks();
            ClusterLog.ClusterApplied(_logger, setting.Name, version, current is null ? "added" : "updated", cluster.IsWarm);
            if (current is not null)
            {
                await current.DisposeAsync();
            }
        }
    }

    // A replaced cluster keeps its hosts (and their state) until EDS replaces them; a new EDS
    // cluster takes endpoints already received for its service name.
    private void InitializeHosts(UpstreamCluster cluster, UpstreamCluster? previous)
    {
        if (cluster.Settings.StaticEndpoints is { } inline)
        {
            cluster.UpdateEndpoints(inline, previous?.Hosts?.All);
        }
        else if (_endpoints.TryGetValue(cluster.Settings.EdsServiceName, out var received))
        {
            var errors = new List<string>();
            var assignment = EndpointAssignment.From(received.Assignment, "", errors);
            if (assignment is not null)
            {
                cluster.UpdateEndpoints(assignment, previous?.Hosts?.All);
            }
        }
    }

    /// <summary>Applies EDS assignments; a name no cluster uses is stored for a cluster that may come later.</summary>
    public async Task<ApplyResult> ApplyEndpointsAsync(IReadOnlyList<ClusterLoadAssignment> assignments, string version)
    {
        var errors = new List<string>();
        var parsed = assignments
            .Select(a => (a, EndpointAssignment.From(a, $"cluster_load_assignment '{a.ClusterName}'", errors)))
            .ToList();
        if (errors.Count > 0)
        {
            return new ApplyResult(errors);
        }

        await _applyLock.WaitAsync();
        try
        {
            foreach (var (proto, assignment) in parsed)
            {
                _endpoints[proto.ClusterName] = (proto, version);
                foreach (var cluster in _clusters.Values.Where(c => c.Settings.UsesEds && c.Settings.EdsServiceName == proto.ClusterName))
                {
                    cluster.UpdateEndpoints(assignment!);
                    ClusterLog.EndpointsApplied(_logger, cluster.Name, version, assignment!.Endpoints.Count);
                }
            }
        }
        finally
        {
            _applyLock.Release();
        }

        return ApplyResult.Accepted;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var cluster in _clusters.Values)
        {
            await cluster.DisposeAsync();
        }

        _clusters.Clear();
    }
}

/// <summary>Log messages of the cluster manager (event ids 200-299).</summary>
internal static partial class ClusterLog
{
    // Debug, as Envoy logs it: state-of-the-world updates repeat every cluster on each change.
    [LoggerMessage(EventId = 200, EventName = "ClusterApplied", Level = LogLevel.Debug,
        Message = "Cluster {Cluster} {Change} at version {Version} (warm: {Warm})")]
    public static partial void ClusterApplied(ILogger logger, string cluster, string version, string change, bool warm);

    [LoggerMessage(EventId = 201, EventName = "ClusterRemoved", Level = LogLevel.Information,
        Message = "Cluster {Cluster} removed at version {Version}")]
    public static partial void ClusterRemoved(ILogger logger, string cluster, string version);

    [LoggerMessage(EventId = 202, EventName = "EndpointsApplied", Level = LogLevel.Debug,
        Message = "Cluster {Cluster}: {Count} endpoints at version {Version}")]
    public static partial void EndpointsApplied(ILogger logger, string cluster, string version, int count);
}
