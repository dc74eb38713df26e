using Envoy.Config.Route.V3;
using Microsoft.AspNetCore.Http;

namespace Agent.Listeners.Http;

/// <summary>A route action: the upstream cluster(s), timeout, retries and host rewrite.</summary>
internal sealed record RouteTarget(
    string? Cluster,
    IReadOnlyList<(string Cluster, int Weight)> WeightedClusters,
    TimeSpan Timeout,
    RetrySettings? Retry,
    string? HostRewriteLiteral,
    bool AutoHostRewrite,
    string? PrefixRewrite,
    string? MatchedPrefix,
    IReadOnlyList<HashPolicySpec> HashPolicies)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    public static RouteTarget? Compile(RouteAction action, string field, List<string> errors)
    {
        var weighted = new List<(string, int)>();
        switch (action.ClusterSpecifierCase)
        {
            case RouteAction.ClusterSpecifierOneofCase.Cluster:
                break;
            case RouteAction.ClusterSpecifierOneofCase.WeightedClusters:
                weighted.AddRange(action.WeightedClusters.Clusters.Select(c => (c.Name, (int)(c.Weight ?? 0))));
                if (weighted.Count == 0 || weighted.Sum(w => w.Item2) <= 0)
                {
                    errors.Add($"{field}.weighted_clusters: needs at least one cluster with a weight above 0");
                }

                break;
            default:
                errors.Add($"{field}: '{action.ClusterSpecifierCase}' is not supported; use cluster or weighted_clusters");
                return null;
        }

        var retry = action.RetryPolicy is null ? null : RetrySettings.From(action.RetryPolicy, $"{field}.retry_policy", errors);
        var hashPolicies = action.HashPolicy.Select((h, i) => HashPolicySpec.From(h, $"{field}.hash_policy[{i}]", errors)).OfType<HashPolicySpec>().ToList();
        return new RouteTarget(
            action.ClusterSpecifierCase == RouteAction.ClusterSpecifierOneofCase.Cluster ? action.Cluster : null,
            weighted,
            action.Timeout?.ToTimeSpan() ?? DefaultTimeout,
            retry,
            action.HostRewriteSpecifierCase == RouteAction.HostRewriteSpecifierOneofCase.HostRewriteLiteral ? action.HostRewriteLiteral : null,
            action.HostRewriteSpecifierCase == RouteAction.HostRewriteSpecifierOneofCase.AutoHostRewrite && (action.AutoHostRewrite ?? false),
            string.IsNullOrEmpty(action.PrefixRewrite) ? null : action.PrefixRewrite,
            null,
            hashPolicies);
    }

    /// <summary>
    /// Computes the ring hash key from the hash policies, as Envoy combines them: each new hash is
    /// XORed into the previous one rotated left by one bit. Null when no policy yields a value.
    /// </summary>
    public ulong? ComputeHashKey(HttpContext context)
    {
        ulong? key = null;
        foreach (var policy in HashPolicies)
        {
            if (policy.Hash(context) is not { } hash)
            {
                continue;
            }

            key = key is { } previous ? ((previous << 1) | (previous >> 63)) ^ hash : hash;
            if (policy.Terminal)
            {
                break;
            }
        }

        return key;
    }

    /// <summary>Picks the cluster: the single one, or one of the weighted ones at random by weight.</summary>
    public string PickCluster()
    {
        if (Cluster is not null)
        {
            return Cluster;
        }

        var pick = Random.Shared.Next(WeightedClusters.Sum(w => w.Weight));
        foreach (var (cluster, weight) in WeightedClusters)
        {
            if (pick < weight)
            {
                return cluster;
            }

            pick -= weight;
        }

        return WeightedClusters[^1].Cluster;
    }
}

/// <summary>A route's retry_policy: which failures are retried and how many times (Envoy's default: 1).</summary>
internal sealed record RetrySettings(bool On5xx, bool OnGatewayError, bool OnConnectFailure, bool OnReset, IReadOnlySet<int> RetriableStatusCodes, int NumRetries)
{
    public static RetrySettings? From(RetryPolicy policy, string field, List<string> errors)
    {
        var conditions = policy.RetryOn.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        var known = new[] { "5xx", "gateway-error", "connect-failure", "reset", "retriable-status-codes", "refused-stream" };
        foreach (var unknown in conditions.Except(known))
        {
            errors.Add($"{field}.retry_on: '{unknown}' is not supported; use {string.Join(", ", known)}");
        }

        return new RetrySettings(
            conditions.Contains("5xx"),
            conditions.Contains("gateway-error"),
            conditions.Contains("connect-failure"),
            conditions.Contains("reset") || conditions.Contains("refused-stream"),
            conditions.Contains("retriable-status-codes") ? policy.RetriableStatusCodes.Select(c => (int)c).ToHashSet() : new HashSet<int>(),
            (int)(policy.NumRetries ?? 1));
    }

    public bool RetriesStatus(int status) =>
        (On5xx && status >= 500) || (OnGatewayError && status is 502 or 503 or 504) || RetriableStatusCodes.Contains(status);

    // Envoy's 5xx and gateway-error conditions also cover a failed connect and a reset.
    public bool RetriesConnectFailure => On5xx || OnGatewayError || OnConnectFailure;

    public bool RetriesReset => On5xx || OnGatewayError || OnReset;
}

/// <summary>One header condition of a route match.</summary>
internal sealed record CompiledHeaderMatcher(string Name, Func<string?, bool> Matcher, bool Invert)
{
    public bool Matches(HttpRequest request)
    {
        var value = request.Headers.TryGetValue(Name, out var values) ? values.ToString() : null;
        return Matcher(value) != Invert;
    }

    public static CompiledHeaderMatcher? Compile(HeaderMatcher matcher, string field, List<string> errors)
    {
        Func<string?, bool>? test = matcher.HeaderMatchSpecifierCase switch
        {
            HeaderMatcher.HeaderMatchSpecifierOneofCase.ExactMatch => v => v == matcher.ExactMatch,
            HeaderMatcher.HeaderMatchSpecifierOneofCase.PrefixMatch => v => v?.StartsWith(matcher.PrefixMatch, StringComparison.Ordinal) ?? false,
            HeaderMatcher.HeaderMatchSpecifierOneofCase.SuffixMatch => v => v?.EndsWith(matcher.SuffixMatch, StringComparison.Ordinal) ?? false,
            HeaderMatcher.HeaderMatchSpecifierOneofCase.ContainsMatch => v => v?.Contains(matcher.ContainsMatch, StringComparison.Ordinal) ?? false,
            HeaderMatcher.HeaderMatchSpecifierOneofCase.PresentMatch => v => (v is not null) == matcher.PresentMatch,
            HeaderMatcher.HeaderMatchSpecifierOneofCase.StringMatch => StringMatch(matcher.StringMatch, field, errors),
            HeaderMatcher.HeaderMatchSpecifierOneofCase.None => v => v is not null,
            _ => null,
        };
        if (test is null)
        {
            errors.Add($"{field}: '{matcher.HeaderMatchSpecifierCase}' is not supported");
            return null;
        }

        return new CompiledHeaderMatcher(matcher.Name, test, matcher.InvertMatch);
    }

    private static Func<string?, bool>? StringMatch(Envoy.Type.Matcher.V3.StringMatcher matcher, string field, List<string> errors)
    {
        var comparison = matcher.IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        switch (matcher.MatchPatternCase)
        {
            case Envoy.Type.Matcher.V3.StringMatcher.MatchPatternOneofCase.Exact:
                return v => string.Equals(v, matcher.Exact, comparison);
            case Envoy.Type.Matcher.V3.StringMatcher.MatchPatternOneofCase.Prefix:
                return v => v?.StartsWith(matcher.Prefix, comparison) ?? false;
            case Envoy.Type.Matcher.V3.StringMatcher.MatchPatternOneofCase.Suffix:
                return v => v?.EndsWith(matcher.Suffix, comparison) ?? false;
            case Envoy.Type.Matcher.V3.StringMatcher.MatchPatternOneofCase.Contains:
                return v => v?.Contains(matcher.Contains, comparison) ?? false;
            case Envoy.Type.Matcher.V3.StringMatcher.MatchPatternOneofCase.SafeRegex:
                var regex = CompiledRoute.CompileRegex(matcher.SafeRegex.Regex, $"{field}.string_match.safe_regex.regex", errors);
                return v => v is not null && (regex?.IsMatch(v) ?? false);
            default:
                errors.Add($"{field}.string_match: '{matcher.MatchPatternCase}' is not supported");
                return null;
        }
    }
}

/// <summary>One hash_policy entry: a request header or the client's IP address.</summary>
internal sealed record HashPolicySpec(string? HeaderName, bool SourceIp, bool Terminal)
{
    public static HashPolicySpec? From(RouteAction.Types.HashPolicy policy, string field, List<string> errors)
    {
        switch (policy.PolicySpecifierCase)
        {
            case RouteAction.Types.HashPolicy.PolicySpecifierOneofCase.Header:
                return new HashPolicySpec(policy.Header.HeaderName, false, policy.Terminal);
            case RouteAction.Types.HashPolicy.PolicySpecifierOneofCase.ConnectionProperties:
                return new HashPolicySpec(null, policy.ConnectionProperties.SourceIp, policy.Terminal);
            default:
                // TODO(http): cookie, query parameter and filter state hash policies.
                errors.Add($"{field}: '{policy.PolicySpecifierCase}' is not supported; use header or connection_properties");
                return null;
        }
    }

    public ulong? Hash(HttpContext context)
    {
        var value = HeaderName is not null
            ? (context.Request.Headers.TryGetValue(HeaderName, out var values) ? values.ToString() : null)
            : SourceIp ? context.Connection.RemoteIpAddress?.ToString() : null;
        return value is null ? null : Agent.LoadBalancing.RingHashLoadBalancer.Hash(value);
    }
}
