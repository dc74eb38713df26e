using Envoy.Config.Listener.V3;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using Envoy.Extensions.Filters.Network.RedisProxy.V3;
using Envoy.Extensions.Filters.Network.TcpProxy.V3;
using FluentValidation;
using Google.Protobuf.Reflection;

namespace ControlPlane.Validation;

/// <summary>
/// Envoy's proto rules for a Listener, plus the rules Envoy applies when it builds one: a TCP
/// address with a port, a terminal network filter last in each chain, and the rules of each
/// network filter the product supports.
/// </summary>
internal sealed class ListenerValidator : AbstractValidator<Listener>
{
    private static readonly MessageDescriptor[] NetworkFilters =
        [HttpConnectionManager.Descriptor, TcpProxy.Descriptor, RedisProxy.Descriptor];

    public ListenerValidator()
    {
        this.SatisfyEnvoyProtoRules();

        RuleFor(listener => listener.Address.SocketAddress)
            .NotNull()
            .When(listener => listener.Address is not null)
            .OverridePropertyName("address.socket_address")
            .WithMessage("is required: the product listens on TCP socket addresses only");

        this.RuleForProblems(CheckAddress);
        this.RuleForProblems(CheckApiListener);

        RuleFor(listener => listener.FilterChains)
            .NotEmpty()
            .When(listener => listener.DefaultFilterChain is null && listener.ApiListener is null)
            .OverridePropertyName("filter_chains")
            .WithMessage("must contain at least one filter chain");

        this.RuleForProblems((listener, problems) =>
        {
            for (var i = 0; i < listener.FilterChains.Count; i++)
            {
                CheckChain(listener.FilterChains[i], FieldPaths.Index("filter_chains", i), problems);
            }

            if (listener.DefaultFilterChain is { } fallback)
            {
                CheckChain(fallback, "default_filter_chain", problems);
            }
        });
    }

    private static void CheckAddress(Listener listener, List<FieldProblem> problems)
    {
        // An API listener (what gRPC's proxyless xDS clients request) has no socket to bind.
        if (listener.Address is null && listener.ApiListener is null)
        {
            problems.Add(new("address", "is required: set socket_address with an IP address and port_value"));
            return;
        }

        if (listener.Address?.SocketAddress is not { } socket)
        {
            return;
        }

        if (!Pgv.PgvScalarRules.IsIpAddress(socket.Address))
        {
            problems.Add(new("address.socket_address.address", $"must be an IP address to listen on, not '{socket.Address}'"));
        }

        if (socket.PortSpecifierCase != Envoy.Config.Core.V3.SocketAddress.PortSpecifierOneofCase.PortValue)
        {
            problems.Add(new("address.socket_address.port_value", "is required"));
        }
    }

    /// <summary>An API listener's only supported content is an HTTP connection manager, as gRPC's xDS clients expect.</summary>
    private static void CheckApiListener(Listener listener, List<FieldProblem> problems)
    {
        if (listener.ApiListener is null)
        {
            return;
        }

        const string path = "api_listener.api_listener";
        if (listener.ApiListener.ApiListener_ is not { } typed)
        {
            problems.Add(new(path, $"is required: an API listener holds an {HttpConnectionManager.Descriptor.FullName}"));
            return;
        }

        if (Pgv.PgvValidator.Unpack(typed) is HttpConnectionManager manager)
        {
            HttpConnectionManagerRules.Check(manager, path, problems);
        }
        else
        {
            problems.Add(new(FieldPaths.Join(path, "@type"), $"names '{typed.TypeUrl}'; an API listener must hold an {HttpConnectionManager.Descriptor.FullName}"));
        }
    }

    private static void CheckChain(FilterChain chain, string path, List<FieldProblem> problems)
    {
        var filtersPath = FieldPaths.Join(path, "filters");
        if (chain.Filters.Count == 0)
        {
            problems.Add(new(filtersPath, "must contain at least one network filter, the last one terminal"));
        }

        for (var i = 0; i < chain.Filters.Count; i++)
        {
            CheckFilter(chain.Filters[i], FieldPaths.Index(filtersPath, i), isLast: i == chain.Filters.Count - 1, problems);
        }
    }

    private static void CheckFilter(Filter filter, string path, bool isLast, List<FieldProblem> problems)
    {
        var typedPath = FieldPaths.Join(path, "typed_config");
        if (filter.TypedConfig is null)
        {
            problems.Add(new(typedPath, "is required: Envoy v3 picks a filter by its typed_config type"));
            return;
        }

        if (!NetworkFilters.Any(filter.TypedConfig.Is))
        {
            var known = string.Join(", ", NetworkFilters.Select(d => d.FullName));
            problems.Add(new(FieldPaths.Join(typedPath, "@type"), $"names the network filter '{filter.TypedConfig.TypeUrl}', which the product does not support; use one of {known}"));
            return;
        }

        // Each supported filter is terminal: it hands the connection to an upstream or ends it.
        if (!isLast)
        {
            problems.Add(new(path, $"is the terminal filter {filter.TypedConfig.TypeUrl} and must be the last filter in its chain"));
        }

        switch (Pgv.PgvValidator.Unpack(filter.TypedConfig))
        {
            case HttpConnectionManager manager:
                HttpConnectionManagerRules.Check(manager, typedPath, problems);
                break;
            case RedisProxy redis:
                CheckRedisPrefixes(redis, FieldPaths.Join(typedPath, "prefix_routes.routes"), problems);
                break;
        }
    }

    /// <summary>Envoy rejects two prefix routes with the same prefix (compared without case when case_insensitive).</summary>
    private static void CheckRedisPrefixes(RedisProxy redis, string path, List<FieldProblem> problems)
    {
        if (redis.PrefixRoutes is not { } routes)
        {
            return;
        }

        var comparer = routes.CaseInsensitive ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        var seen = new HashSet<string>(comparer);
        for (var i = 0; i < routes.Routes.Count; i++)
        {
            if (!seen.Add(routes.Routes[i].Prefix))
            {
                problems.Add(new(FieldPaths.Join(FieldPaths.Index(path, i), "prefix"), $"repeats the prefix '{routes.Routes[i].Prefix}'"));
            }
        }
    }
}
