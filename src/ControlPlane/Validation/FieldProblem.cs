namespace ControlPlane.Validation;

/// <summary>
/// One rule a resource violates: the path of the field (proto field names, for example
/// <c>load_assignment.endpoints[1].priority</c>) and a sentence saying what is wrong.
/// </summary>
internal readonly record struct FieldProblem(string Path, string Message);

/// <summary>Builds field paths in the form the API reports them.</summary>
internal static class FieldPaths
{
    public static string Join(string parent, string child) =>
        parent.Length == 0 ? child : child.Length == 0 ? parent : $"{parent}.{child}";

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    public static string Key(string parent, object key) => $"{parent}[\"{key}\"]";
}
