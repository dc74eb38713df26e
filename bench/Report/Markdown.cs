using System.Globalization;
using System.Text;

namespace Report;

/// <summary>Formatting of figures and Markdown tables, with invariant culture throughout.</summary>
internal static class Markdown
{
    public static string Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var text = new StringBuilder();
        text.AppendLine($"| {string.Join(" | ", header)} |");
        text.AppendLine($"|{string.Concat(header.Select(_ => " --- |"))}");
        foreach (var row in rows)
        {
            text.AppendLine($"| {string.Join(" | ", row)} |");
        }

        return text.ToString();
    }

    public static string Number(double value, string format = "#,0") =>
        value.ToString(format, CultureInfo.InvariantCulture);

    public static string Ms(double value) => value.ToString(value < 10 ? "0.00" : "#,0.0", CultureInfo.InvariantCulture);

    /// <summary>Formats numerator / denominator as "0.85x", or "n/a" when the denominator is missing or 0.</summary>
    public static string Ratio(double? numerator, double? denominator)
    {
        if (numerator is not { } top || denominator is not { } bottom || bottom <= 0)
        {
            return "n/a";
        }

        // Below 0.1 (delta against SotW bytes, for example) two decimals would print 0.00.
        var ratio = top / bottom;
        return ratio.ToString(ratio >= 0.1 || ratio == 0 ? "0.00" : "G3", CultureInfo.InvariantCulture) + "x";
    }

    public static string MiB(double bytes) => (bytes / 1024 / 1024).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";

    public static string KiB(double bytes) => (bytes / 1024).ToString("0.0", CultureInfo.InvariantCulture) + " KiB";

    public static string Status(TargetStatus status) => status switch
    {
        TargetStatus.Met => "met",
        TargetStatus.Missed => "**missed**",
        _ => "not measured",
    };
}

/// <summary>How a figure compares with its target.</summary>
internal enum TargetStatus
{
    Met,
    Missed,
    NotMeasured,
}

/// <summary>One row of a targets table: the target, the measured figure and its status.</summary>
internal sealed record TargetRow(string Target, string Figure, TargetStatus Status)
{
    public static TargetRow Check(string target, string figure, bool met) =>
        new(target, figure, met ? TargetStatus.Met : TargetStatus.Missed);

    public static TargetRow NotMeasured(string target, string why) => new(target, why, TargetStatus.NotMeasured);

    public IReadOnlyList<string> Cells => [Target, Figure, Markdown.Status(Status)];
}
