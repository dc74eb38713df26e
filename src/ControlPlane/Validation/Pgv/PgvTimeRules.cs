using Google.Protobuf.WellKnownTypes;
using Validate;

namespace ControlPlane.Validation.Pgv;

/// <summary>The protoc-gen-validate rules on <see cref="Duration"/> and <see cref="Timestamp"/> values.</summary>
internal static class PgvTimeRules
{
    public static void CheckDuration(Duration value, DurationRules? rules, string path, List<FieldProblem> problems)
    {
        if (rules is null)
        {
            return;
        }

        var compare = (Duration bound) => Compare(value.Seconds, value.Nanos, bound.Seconds, bound.Nanos);
        CheckBounds(compare, Text, rules.Const, rules.Gt, rules.Gte, rules.Lt, rules.Lte, path, problems);
        if (rules.In.Count > 0 && !rules.In.Any(d => compare(d) == 0))
        {
            problems.Add(new(path, $"must be one of [{string.Join(", ", rules.In.Select(Text))}]"));
        }

        if (rules.NotIn.Any(d => compare(d) == 0))
        {
            problems.Add(new(path, $"must not be {Text(value)}"));
        }
    }

    public static void CheckTimestamp(Timestamp value, TimestampRules? rules, string path, List<FieldProblem> problems)
    {
        // TODO(validation): lt_now, gt_now and within are not checked; no Envoy resource the product serves uses them.
        if (rules is not null)
        {
            var compare = (Timestamp bound) => Compare(value.Seconds, value.Nanos, bound.Seconds, bound.Nanos);
            CheckBounds(compare, t => t.ToString(), rules.Const, rules.Gt, rules.Gte, rules.Lt, rules.Lte, path, problems);
        }
    }

    private static void CheckBounds<T>(
        Func<T, int> compare, Func<T, string> text, T? exact, T? gt, T? gte, T? lt, T? lte, string path,
        List<FieldProblem> problems)
        where T : class
    {
        if (exact is not null && compare(exact) != 0) problems.Add(new(path, $"must equal {text(exact)}"));
        if (gt is not null && compare(gt) <= 0) problems.Add(new(path, $"must be greater than {text(gt)}"));
        if (gte is not null && compare(gte) < 0) problems.Add(new(path, $"must be greater than or equal to {text(gte)}"));
        if (lt is not null && compare(lt) >= 0) problems.Add(new(path, $"must be less than {text(lt)}"));
        if (lte is not null && compare(lte) > 0) problems.Add(new(path, $"must be less than or equal to {text(lte)}"));
    }

    private static int Compare(long seconds, int nanos, long otherSeconds, int otherNanos) =>
        seconds != otherSeconds ? seconds.CompareTo(otherSeconds) : nanos.CompareTo(otherNanos);

    /// <summary>Formats a duration as proto3 JSON does, for example <c>0.5s</c>.</summary>
    public static string Text(Duration duration) => Google.Protobuf.JsonFormatter.Default.Format(duration).Trim('"');
}
