using ScottPlot;
using ScottPlot.TickGenerators;

namespace Report;

/// <summary>
/// Draws p50, p99 and max change-to-ACK latency against the number of nodes, one colour per
/// mode (SotW, delta) and one line style per statistic. Both axes are log10, because node counts
/// span one or more orders of magnitude (1,000 to 10,000 by default) and latencies may too.
/// </summary>
internal static class PushLatencyChart
{
    private static readonly (string Mode, string Label, Color Color)[] Modes =
        [("sotw", "SotW", Colors.SteelBlue), ("delta", "delta", Colors.OrangeRed)];

    private static readonly (string Name, Func<LatencyMs, double> Value, LinePattern Pattern, MarkerShape Marker)[] Statistics =
    [
        ("p50", latency => latency.P50, LinePattern.Solid, MarkerShape.FilledCircle),
        ("p99", latency => latency.P99, LinePattern.Dashed, MarkerShape.FilledSquare),
        ("max", latency => latency.Max, LinePattern.Dotted, MarkerShape.OpenTriangleUp),
    ];

    public static void Save(IReadOnlyList<PushRun> runs, string path)
    {
        var plot = new Plot();
        foreach (var (mode, label, color) in Modes)
        {
            var modeRuns = runs.Where(run => run.Mode == mode && run.Nodes > 0).OrderBy(run => run.Nodes).ToList();
            foreach (var (name, value, pattern, marker) in Statistics)
            {
                // log10 of 0 is undefined, so a latency of 0 ms (below the timer's resolution) is left out.
                var points = modeRuns.Where(run => value(run.AckLatencyMs) > 0).ToList();
                if (points.Count == 0)
                {
                    continue;
                }

                var line = plot.Add.Scatter(
                    points.Select(run => Math.Log10(run.Nodes)).ToArray(),
                    points.Select(run => Math.Log10(value(run.AckLatencyMs))).ToArray());
                line.LegendText = $"{label} {name}";
                line.Color = color;
                line.LinePattern = pattern;
                line.LineWidth = 2;
                line.MarkerShape = marker;
                line.MarkerSize = 8;
            }
        }

        // The p99 targets: 100 ms at 1,000 nodes and 1 s at 10,000 nodes.
        var targets = plot.Add.Markers(new[] { 3.0, 4.0 }, new[] { 2.0, 3.0 }, MarkerShape.Cross, 14, Colors.Black);
        targets.LegendText = "p99 target";

        plot.Axes.Bottom.TickGenerator = LogTicks(runs.Select(run => (double)run.Nodes).Append(10_000), value => $"{value:N0}");
        plot.Axes.Left.TickGenerator = LogTicks(
            runs.SelectMany(run => new[] { run.AckLatencyMs.P50, run.AckLatencyMs.Max }).Append(100).Append(1000),
            value => $"{value:#,0.###}");
        plot.Title("Change-to-ACK latency against connected nodes");
        plot.XLabel("connected nodes (log scale)");
        plot.YLabel("API call to ACK, ms (log scale)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1000, 600);
    }

    /// <summary>Ticks at 1, 2 and 5 times each power of 10 that the values span, labelled in linear units.</summary>
    private static NumericManual LogTicks(IEnumerable<double> values, Func<double, string> label)
    {
        var positive = values.Where(value => value > 0).DefaultIfEmpty(1).ToList();
        var low = (int)Math.Floor(Math.Log10(positive.Min()));
        var high = (int)Math.Ceiling(Math.Log10(positive.Max()));
        var ticks = new NumericManual();
        for (var power = low; power <= high; power++)
        {
            foreach (var step in new[] { 1, 2, 5 })
            {
                var value = step * Math.Pow(10, power);
                ticks.AddMajor(Math.Log10(value), label(value));
            }
        }

        return ticks;
    }
}
