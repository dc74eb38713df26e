using ControlPlane.Validation.Pgv;
using FluentValidation;
using FluentValidation.Results;
using Google.Protobuf;

namespace ControlPlane.Validation;

/// <summary>Plugs the generic protoc-gen-validate checker into FluentValidation.</summary>
internal static class PgvRuleExtensions
{
    /// <summary>Adds a rule that reports every PGV rule the whole message violates, each under its field path.</summary>
    public static void SatisfyEnvoyProtoRules<T>(this AbstractValidator<T> validator) where T : IMessage
    {
        validator.RuleFor(message => message).Custom((message, context) =>
        {
            foreach (var problem in PgvValidator.Validate(message))
            {
                context.AddFailure(new ValidationFailure(problem.Path, problem.Message));
            }
        });
    }

    /// <summary>Adds a rule whose check reports its problems through <paramref name="check"/>.</summary>
    public static void RuleForProblems<T>(this AbstractValidator<T> validator, Action<T, List<FieldProblem>> check)
    {
        validator.RuleFor(message => message).Custom((message, context) =>
        {
            var problems = new List<FieldProblem>();
            check(message, problems);
            foreach (var problem in problems)
            {
                context.AddFailure(new ValidationFailure(problem.Path, problem.Message));
            }
        });
    }
}
