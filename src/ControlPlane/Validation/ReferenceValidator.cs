using ControlPlane.Configuration;
using FluentValidation;
using FluentValidation.Results;

namespace ControlPlane.Validation;

/// <summary>
/// Checks that every cluster and route configuration a candidate configuration names exists in
/// it. A failure carries the referring resource as its custom state, so that the caller can tell
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
        });
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
