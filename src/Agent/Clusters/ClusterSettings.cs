using System.Net;
using Agent.Health;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;

namespace Agent.Clusters;

internal enum LoadBalancerKind
{
    RoundRobin,
    LeastRequest,
    Random,
    RingHash,
}

/// <summary>A cluster as the agent serves it: a validated, immutable reading of the CDS resource.</summary>
internal sealed record ClusterSettings(
    string Name,
    bool UsesEds,
    string EdsServiceName,
    TimeSpan ConnectTimeout,
    LoadBalancerKind LoadBalancer,
    ulong MinimumRingSize,
    ulong MaximumRingSize,
    int LeastRequestChoiceCount,
    double PanicThresholdPercent,
    OutlierSettings? Outlier,
    IReadOnlyList<HealthCheckSettings> HealthChecks,
    CircuitBreakerLimits CircuitBreakers,
    EndpointAssignment? StaticEndpoints,
    Cluster Source)
{
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Reads <paramref name="cluster"/>; every problem goes to <paramref name="errors"/> and the result is then null.</summary>
    public static ClusterSettings? From(Cluster cluster, List<string> errors)
    {
        var count = errors.Count;
        var field = $"cluster '{cluster.Name}'";
        if (string.IsNullOrEmpty(cluster.Name))
        {
            errors.Add("cluster: name is required");
        }

        var usesEds = ReadDiscoveryType(cluster, field, errors);
        var lb = ReadLoadBalancer(cluster, field, errors);
        var outlier = cluster.OutlierDetection is null ? null : OutlierSettings.From(cluster.OutlierDetection);
        errors.AddRange(outlier?.Validate().Select(e => $"{field}: {e}") ?? []);
        var checks = cluster.HealthChecks
            .Select((h, i) => HealthCheckSettings.From(h, $"{field}.health_checks[{i}]", errors))
            .OfType<HealthCheckSettings>().ToList();
        var resolve = cluster.Type switch
        {
            Cluster.Types.DiscoveryType.StrictDns => NameResolution.AllAddresses,
            Cluster.Types.DiscoveryType.LogicalDns => NameResolution.FirstAddress,
            _ => NameResolution.None,
        };
        var staticEndpoints = !usesEds && cluster.LoadAssignment is not null
            ? EndpointAssignment.From(cluster.LoadAssignment, $"{field}.load_assignment", errors, resolve)
            : null;
        var ring = cluster.RingHashLbConfig;
        var connectTimeout = cluster.ConnectTimeout?.ToTimeSpan() ?? DefaultConnectTimeout;
        if (connectTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{field}.connect_timeout: must be greater than 0");
        }

        if (errors.Count > count)
        {
            return null;
        }

        return new ClusterSettings(
            cluster.Name,
            usesEds,
            string.IsNullOrEmpty(cluster.EdsClusterConfig?.ServiceName) ? cluster.Name : cluster.EdsClusterConfig.ServiceName,
            connectTimeout,
            lb,
            ring?.MinimumRingSize ?? 1024,
            ring?.MaximumRingSize ?? 8 * 1024 * 1024,
            (int)(cluster.LeastRequestLbConfig?.ChoiceCount ?? 2),
            cluster.CommonLbConfig?.HealthyPanicThreshold?.Value ?? 50.0,
            outlier,
            checks,
            CircuitBreakerLimits.From(cluster.CircuitBreakers),
            staticEndpoints ?? (usesEds ? null : EndpointAssignment.Empty),
            cluster);
    }

    private static bool ReadDiscoveryType(Cluster cluster, string field, List<string> errors)
    {
        if (cluster.ClusterDiscoveryTypeCase == Cluster.ClusterDiscoveryTypeOneofCase.ClusterType)
        {
            errors.Add($"{field}.cluster_type: custom cluster types are not supported");
            return false;
        }

        switch (cluster.Type)
        {
            case Cluster.Types.DiscoveryType.Eds:
                var source = cluster.EdsClusterConfig?.EdsConfig;
                if (source is not null && source.ConfigSourceSpecifierCase != ConfigSource.ConfigSourceSpecifierOneofCase.Ads)
                {
                    errors.Add($"{field}.eds_cluster_config.eds_config: only 'ads: {{}}' is supported");
                }

                return true;
            case Cluster.Types.DiscoveryType.Static:
            case Cluster.Types.DiscoveryType.StrictDns:
            case Cluster.Types.DiscoveryType.LogicalDns:
                return false;
            default:
                errors.Add($"{field}.type: {cluster.Type} is not supported; use EDS, STATIC, STRICT_DNS or LOGICAL_DNS");
                return false;
        }
    }

    private static LoadBalancerKind ReadLoadBalancer(Cluster cluster, string field, List<string> errors)
    {
        switch (cluster.LbPolicy)
        {
            case Cluster.Types.LbPolicy.RoundRobin:
                return LoadBalancerKind.RoundRobin;
            case Cluster.Types.LbPolicy.LeastRequest:
                return LoadBalancerKind.LeastRequest;
            case Cluster.Types.LbPolicy.Random:
                return LoadBalancerKind.Random;
            case Cluster.Types.LbPolicy.RingHash:
                return LoadBalancerKind.RingHash;
            default:
                errors.Add($"{field}.lb_policy: {cluster.LbPolicy} is not supported; use ROUND_ROBIN, LEAST_REQUEST, RANDOM or RING_HASH");
                return LoadBalancerKind.RoundRobin;
        }
    }
}

/// <summary>How endpoint addresses that are host names become IP addresses.</summary>
internal enum NameResolution
{
    /// <summary>Addresses must be IP addresses (EDS and STATIC).</summary>
    None,

    /// <summary>STRICT_DNS: every address the name resolves to is a host.</summary>
    AllAddresses,

    /// <summary>LOGICAL_DNS: the first address the name resolves to is the host.</summary>
    FirstAddress,
}

/// <summary>One endpoint of an assignment.</summary>
internal sealed record EndpointSpec(IPEndPoint Address, int Priority, int Weight, bool EdsHealthy);

/// <summary>A validated ClusterLoadAssignment.</summary>
internal sealed record EndpointAssignment(IReadOnlyList<EndpointSpec> Endpoints, int OverprovisioningFactor)
{
    public static EndpointAssignment Empty { get; } = new([], 140);

    public static EndpointAssignment? From(
        ClusterLoadAssignment assignment, string field, List<string> errors, NameResolution resolve = NameResolution.None)
    {
        var count = errors.Count;
        var endpoints = new List<EndpointSpec>();
        for (var i = 0; i < assignment.Endpoints.Count; i++)
        {
            var locality = assignment.Endpoints[i];
            for (var j = 0; j < locality.LbEndpoints.Count; j++)
            {
                endpoints.AddRange(ReadEndpoint(locality, locality.LbEndpoints[j], $"{field}.endpoints[{i}].lb_endpoints[{j}]", errors, resolve));
            }
        }

        var factor = (int)(assignment.Policy?.OverprovisioningFactor ?? 140);
        if (factor <= 0)
        {
            errors.Add($"{field}.policy.overprovisioning_factor: must be greater than 0");
        }

        return errors.Count > count ? null : new EndpointAssignment(endpoints, factor);
    }

    private static IEnumerable<EndpointSpec> ReadEndpoint(
        LocalityLbEndpoints locality, LbEndpoint lbEndpoint, string field, List<string> errors, NameResolution resolve)
    {
        var socket = lbEndpoint.Endpoint?.Address?.SocketAddress;
        if (socket is null)
        {
            errors.Add($"{field}.endpoint.address.socket_address: missing");
            return [];
        }

        if (socket.PortValue is 0 or > 65535)
        {
            errors.Add($"{field}.endpoint.address.socket_address.port_value: {socket.PortValue} is not a port");
            return [];
        }

        var addresses = Resolve(socket.Address, resolve, $"{field}.endpoint.address.socket_address.address", errors);
        var weight = (int)(lbEndpoint.LoadBalancingWeight ?? 1);
        var healthy = lbEndpoint.HealthStatus is not (HealthStatus.Unhealthy or HealthStatus.Draining or HealthStatus.Timeout);
        return addresses.Select(ip =>
            new EndpointSpec(new IPEndPoint(ip, (int)socket.PortValue), (int)locality.Priority, Math.Max(1, weight), healthy)).ToList();
    }

    // TODO(clusters): re-resolve STRICT_DNS and LOGICAL_DNS names every dns_refresh_rate; they are
    // resolved once, when the cluster is applied.
    private static IReadOnlyList<IPAddress> Resolve(string address, NameResolution resolve, string field, List<string> errors)
    {
        if (IPAddress.TryParse(address, out var ip))
        {
            return [ip];
        }

        if (resolve == NameResolution.None)
        {
            errors.Add($"{field}: '{address}' is not an IP address; use an IP or a STRICT_DNS or LOGICAL_DNS cluster");
            return [];
        }

        try
        {
            var resolved = Dns.GetHostAddresses(address);
            return resolve == NameResolution.FirstAddress ? resolved.Take(1).ToList() : resolved;
        }
        catch (System.Net.Sockets.SocketException e)
        {
            errors.Add($"{field}: '{address}' could not be resolved: {e.Message}");
            return [];
        }
    }
}
