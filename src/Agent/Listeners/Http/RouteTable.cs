using System.Text.RegularExpressions;
using Envoy.Config.Route.V3;
using Route = Envoy.Config.Route.V3.Route;
using Microsoft.AspNetCore.Http;

namespace Agent.Listeners.Http;

/// <summary>A compiled RouteConfiguration: virtual hosts by domain, then the first route that matches.</summary>
internal sealed class RouteTable
{
    private readonly IReadOnlyList<CompiledVirtualHost> _virtualHosts;

    private RouteTable(string name, IReadOnlyList<CompiledVirtualHost> virtualHosts)
    {
        Name = name;
        _virtualHosts = virtualHosts;
    }

    public string Name { get; }

    public static RouteTable? Compile(RouteConfiguration config, List<string> errors)
    {
        var count = errors.Count;
        var hosts = config.VirtualHosts
            .Select((v, i) => CompiledVirtualHost.Compile(v, $"route_configuration '{config.Name}'.virtual_hosts[{i}]", errors))
            .ToList();
        var domains = config.VirtualHosts.SelectMany(v => v.Domains).GroupBy(d => d.ToLowerInvariant()).Where(g => g.Count() > 1);
        foreach (var duplicate in domains)
        {
            errors.Add($"route_configuration '{config.Name}': domain '{duplicate.Key}' appears in more than one virtual host");
        }

        return errors.Count > count ? null : new RouteTable(config.Name, hosts!);
    }

    /// <summary>Finds the route for a request: the virtual host by Host header, then the first matching route.</summary>
    public CompiledRoute? Match(HttpRequest request)
    {
        var host = StripPort(request.Host.Value ?? "");
        var virtualHost = SelectVirtualHost(host);
        return virtualHost?.Routes.FirstOrDefault(r => r.Matches(request));
    }

    // Envoy's order: exact domain, then the longest suffix wildcard (*.example.com), then the
    // longest prefix wildcard (example.*), then "*".
    private CompiledVirtualHost? SelectVirtualHost(string host)
    {
        host = host.ToLowerInvariant();
        CompiledVirtualHost? suffixMatch = null, prefixMatch = null, any = null;
        int suffixLength = -1, prefixLength = -1;
        foreach (var virtualHost in _virtualHosts)
        {
            foreach (var domain in virtualHost.Domains)
            {
                if (domain == host)
                {
                    return virtualHost;
                }

                if (domain == "*")
                {
                    any ??= virtualHost;
                }
                else if (domain.StartsWith('*') && host.EndsWith(domain[1..], StringComparison.Ordinal) && domain.Length > suffixLength)
                {
                    (suffixMatch, suffixLength) = (virtualHost, domain.Length);
                }
                else if (domain.EndsWith('*') && host.StartsWith(domain[..^1], StringComparison.Ordinal) && domain.Length > prefixLength)
                {
                    (prefixMatch, prefixLength) = (virtualHost, domain.Length);
                }
            }
        }

        return suffixMatch ?? prefixMatch ?? any;
    }

    private static string StripPort(string host)
    {
        if (host.StartsWith('['))
        {
            var end = host.IndexOf(']');
            return end > 0 ? host[..(end + 1)] : host;
        }

        var colon = host.LastIndexOf(':');
        return colon > 0 ? host[..colon] : host;
    }
}

internal sealed record CompiledVirtualHost(string Name, IReadOnlyList<string> Domains, IReadOnlyList<CompiledRoute> Routes)
{
    public static CompiledVirtualHost? Compile(VirtualHost source, string field, List<string> errors)
    {
        if (source.Domains.Count == 0)
        {
            errors.Add($"{field}.domains: at least one domain is required");
        }

        var routes = source.Routes.Select((r, i) => CompiledRoute.Compile(r, $"{field}.routes[{i}]", errors)).ToList();
        return new CompiledVirtualHost(source.Name, source.Domains.Select(d => d.ToLowerInvariant()).ToList(), routes.OfType<CompiledRoute>().ToList());
    }
}

/// <summary>A route: how it matches and what it does.</summary>
internal sealed record CompiledRoute(
    string Name,
    Func<string, bool> PathMatcher,
    IReadOnlyList<CompiledHeaderMatcher> Headers,
    RouteTarget? Target,
    (int Status, string Body)? DirectResponse)
{
    public bool Matches(HttpRequest request) =>
        PathMatcher(request.Path.Value ?? "/") && Headers.All(h => h.Matches(request));

    public static CompiledRoute? Compile(Route route, string field, List<string> errors)
    {
        var count = errors.Count;
        var match = route.Match ?? new RouteMatch { Prefix = "/" };
        var path = CompilePath(match, field, errors);
        var headers = match.Headers.Select((h, i) => CompiledHeaderMatcher.Compile(h, $"{field}.match.headers[{i}]", errors)).ToList();
        RouteTarget? target = null;
        (int, string)? direct = null;
        switch (route.ActionCase)
        {
            case Route.ActionOneofCase.Route_:
                target = RouteTarget.Compile(route.Route_, $"{field}.route", errors);
                if (target is not null && match.PathSpecifierCase == RouteMatch.PathSpecifierOneofCase.Prefix)
                {
                    target = target with { MatchedPrefix = match.Prefix };
                }
                break;
            case Route.ActionOneofCase.DirectResponse:
                direct = ((int)route.DirectResponse.Status, route.DirectResponse.Body?.InlineString ?? "");
                break;
            default:
                errors.Add($"{field}: action '{route.ActionCase}' is not supported; use route or direct_response");
                break;
        }

        return errors.Count > count ? null : new CompiledRoute(route.Name, path, headers.OfType<CompiledHeaderMatcher>().ToList(), target, direct);
    }

    private static Func<string, bool> CompilePath(RouteMatch match, string field, List<string> errors)
    {
        var comparison = match.CaseSensitive ?? true ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        switch (match.PathSpecifierCase)
        {
            case RouteMatch.PathSpecifierOneofCase.Prefix:
                var prefix = match.Prefix;
                return p => StripQuery(p).StartsWith(prefix, comparison);
            case RouteMatch.PathSpecifierOneofCase.Path:
                var exact = match.Path;
                return p => string.Equals(StripQuery(p), exact, comparison);
            case RouteMatch.PathSpecifierOneofCase.SafeRegex:
                var regex = CompileRegex(match.SafeRegex.Regex, $"{field}.match.safe_regex.regex", errors);
                return p => regex?.IsMatch(StripQuery(p)) ?? false;
            default:
                errors.Add($"{field}.match: '{match.PathSpecifierCase}' is not supported; use prefix, path or safe_regex");
                return _ => false;
        }
    }

    private static string StripQuery(string path)
    {
        var query = path.IndexOf('?');
        return query >= 0 ? path[..query] : path;
    }

    /// <summary>Compiles an RE2 pattern as a full-string .NET regex (RE2 syntax is close to a subset of it).</summary>
    public static Regex? CompileRegex(string pattern, string field, List<string> errors)
    {
        try
        {
            return new Regex($"^(?:{pattern})$", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            errors.Add($"{field}: '{pattern}' is not a valid regular expression: {e.Message}");
            return null;
        }
    }
}
