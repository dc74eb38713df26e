using ControlPlane.Configuration;
using FluentValidation;
using FluentValidation.Results;

namespace ControlPlane.Validation;

/// <summary>
/// Checks that every cluster and route configuration a candidate configuration names exists in
/// it, and that no two listeners share an address and port. A failure carries the referring resource as its custom state, so that the caller can tell
/// a reference in the resources it writes (invalid input) from one in a resource it left alone
/// but whose target it deletes (a conflict).
/// </summary>
internal sealed class ReferenceValidator : AbstractValidator<ConfigState>
{
    public ReferenceValidator()
    {
        RuleFor(state => state).Custom((state, context) =>
        {
            foreach (var listener in state.Listeners.Values)
            {
                Check(state, ResourceKind.Listener, listener.Name, ResourceReferences.Of(listener), context);
            }

            foreach (var routes in state.Routes.Values)
            {
                Check(state, ResourceKind.Route, routes.Name, ResourceReferences.Of(routes), context);
            }

            CheckDistinctAddresses(state, context);
        });
    }

    /// <summary>Envoy rejects a listener whose address and port another listener already uses.</summary>
    private static void CheckDistinctAddresses(ConfigState state, ValidationContext<ConfigState> context)
    {
        var byAddress = state.Listeners.Values
            .Where(listener => listener.Address?.SocketAddress is { PortValue: > 0 })
            .GroupBy(listener => $"{listener.Address.SocketAddress.Address}:{listener.Address.SocketAddress.PortValue}");
        foreach (var group in byAddress.Where(group => group.Count() > 1))
        {
            foreach (var listener in group)
            {
                var others = string.Join(", ", group.Where(other => other != listener).Select(other => $"'{other.Name}'"));
                context.AddFailure(new ValidationFailure("address", $"{group.Key} is also the address of listener {others}")
                {
                    CustomState = new Referrer(ResourceKind.Listener, listener.Name),
                });
            }
        }
    }

    private static void Check(
        ConfigState state, ResourceKind kind, string name, IEnumerable<ResourceReference> references,
        ValidationContext<ConfigState> context)
    {
        foreach (var reference in references)
        {
            if (state.Find(reference.TargetKind, reference.TargetName) is null)
            {
                var message = $"names {reference.TargetKind.Noun()} '{reference.TargetName}', which does not exist";
                context.AddFailure(new ValidationFailure(reference.Path, message)
                {
                    CustomState = new Referrer(kind, name),
                });
            }
        }
    }
}

/// <summary>The resource whose field holds a dangling reference.</summary>
internal sealed record Referrer(ResourceKind Kind, string Name);
