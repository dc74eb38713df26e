using ControlPlane.Configuration;
using ControlPlane.Validation;

namespace ControlPlane.Api;

/// <summary>
/// A failed request: its HTTP status and every field problem. The one place that turns failures
/// into RFC 9457 <c>application/problem+json</c> with an <c>errors</c> object mapping each field
/// path to its messages.
/// </summary>
internal sealed record ApiProblem(int Status, IReadOnlyList<FieldProblem> Problems)
{
    public static ApiProblem Invalid(string path, string message) => new(StatusCodes.Status400BadRequest, [new(path, message)]);

    public static ApiProblem From(ChangeResult result) => result.Status switch
    {
        ChangeStatus.NotFound => new(StatusCodes.Status404NotFound, result.Problems),
        ChangeStatus.Conflict => new(StatusCodes.Status409Conflict, result.Problems),
        _ => new(StatusCodes.Status400BadRequest, result.Problems),
    };

    public IResult ToResult()
    {
        var errors = Problems
            .GroupBy(problem => problem.Path.Length == 0 ? "body" : problem.Path, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Select(problem => problem.Message).Distinct().ToArray());

        return Results.ValidationProblem(errors, detail: Detail(), statusCode: Status, title: Title());
    }

    private string Title() => Status switch
    {
        StatusCodes.Status404NotFound => "Not found",
        StatusCodes.Status409Conflict => "Conflict",
        StatusCodes.Status413PayloadTooLarge => "Request body too large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
        StatusCodes.Status500InternalServerError => "Internal error",
        _ => "Invalid configuration",
    };

    private string Detail() => Status == StatusCodes.Status400BadRequest
        ? $"The request has {Problems.Count} problem(s); nothing was stored."
        : "Nothing was stored.";
}
