using System.Text;

namespace Agent.Redis.Routing;

/// <summary>One prefix route, or the catch-all route when <see cref="Prefix"/> is empty.</summary>
internal sealed record RedisRoute(byte[] Prefix, bool RemovePrefix, string Cluster, IReadOnlyList<MirrorPolicy> Mirrors)
{
    public string PrefixText => Encoding.UTF8.GetString(Prefix);
}

/// <summary>A key's route and the key to send upstream (with the prefix removed when the route says so).</summary>
internal readonly record struct RouteMatch(RedisRoute Route, byte[] Key);

/// <summary>
/// prefix_routes: the route with the longest prefix of the key wins, else the catch-all route.
/// With case_insensitive, prefixes and keys compare ASCII letters without case.
/// </summary>
internal sealed class PrefixRouter
{
    private readonly RedisRoute[] _routesLongestFirst;
    private readonly RedisRoute? _catchAll;
    private readonly bool _caseInsensitive;

    public PrefixRouter(IEnumerable<RedisRoute> routes, RedisRoute? catchAll, bool caseInsensitive)
    {
        _routesLongestFirst = routes.OrderByDescending(route => route.Prefix.Length).ToArray();
        _catchAll = catchAll;
        _caseInsensitive = caseInsensitive;
    }

    public IEnumerable<RedisRoute> AllRoutes => _catchAll is null ? _routesLongestFirst : _routesLongestFirst.Append(_catchAll);

    public RouteMatch? Match(byte[] key)
    {
        // NOTE: a linear scan, longest prefix first; Envoy uses a trie. Route tables are small in practice.
        foreach (var route in _routesLongestFirst)
        {
            if (StartsWith(key, route.Prefix))
            {
                return new RouteMatch(route, route.RemovePrefix ? key[route.Prefix.Length..] : key);
            }
        }

        return _catchAll is null ? null : new RouteMatch(_catchAll, key);
    }

    private bool StartsWith(byte[] key, byte[] prefix)
    {
        if (!_caseInsensitive)
        {
            return key.AsSpan().StartsWith(prefix);
        }

        return key.Length >= prefix.Length && Ascii.EqualsIgnoreCase(key.AsSpan(0, prefix.Length), prefix);
    }
}
