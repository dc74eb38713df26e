using Google.Protobuf;

namespace ControlPlane.Configuration;

/// <summary>What an edit requires of the resource's current state.</summary>
internal enum EditMode
{
    /// <summary>Create; the name must be free (POST).</summary>
    Create,

    /// <summary>Create or replace (PUT, apply).</summary>
    Upsert,

    /// <summary>Remove; the resource must exist (DELETE).</summary>
    Delete,

    /// <summary>Replace a cluster's endpoints; the cluster must exist.</summary>
    SetEndpoints,
}

/// <summary>
/// One resource of a change. <see cref="PathPrefix"/> is put before every field path reported for
/// it, for example <c>resources[2]</c> for the third document of an apply request.
/// </summary>
internal sealed record ConfigEdit(EditMode Mode, ResourceKind Kind, string Name, IMessage? Resource, string PathPrefix = "");

/// <summary>How a change ended.</summary>
internal enum ChangeStatus
{
    Applied,
    Invalid,
    NotFound,
    Conflict,
}

/// <summary>
/// The outcome of a change: the config version it produced (or the current one when it failed or
/// changed nothing), whether each edited resource was created, and the problems that rejected it.
/// </summary>
internal sealed record ChangeResult(
    ChangeStatus Status,
    long Version,
    IReadOnlyList<Validation.FieldProblem> Problems,
    IReadOnlyList<bool> Created)
{
    public static ChangeResult Failed(ChangeStatus status, long version, IReadOnlyList<Validation.FieldProblem> problems) =>
        new(status, version, problems, []);
}
