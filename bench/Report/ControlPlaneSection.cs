using System.Text;

namespace Report;

/// <summary>The control plane part of RESULTS.md: targets, every run, and the churn comparison.</summary>
internal static class ControlPlaneSection
{
    private const int TargetNodes = 10_000;
    private const double P99TargetMsAt1000 = 100;
    private const double P99TargetMsAt10000 = 1000;
    private const double BytesPerNodeTarget = 32 * 1024;
    private static readonly string[] Modes = ["sotw", "delta"];

    public static string Write(RawFile<ControlPlaneResults> file, string? chartFile)
    {
        var text = new StringBuilder("## Control plane\n\n");
        if (file.Content is not { } results)
        {
            return text.AppendLine($"{file.Missing}. Run `bash bench/run.sh --controlplane` to measure it.").ToString();
        }

        text.AppendLine($"Machine: {results.Machine}. Run at {results.Date}.\n");
        text.AppendLine("### Targets\n");
        text.AppendLine(Markdown.Table(["target", "measured", "status"], Targets(results).Select(row => row.Cells)));
        text.AppendLine("### Runs\n");
        text.AppendLine("ACK latency runs from the start of the API call that made the change to each node's ACK, over all pushes of the run.\n");
        text.AppendLine(Markdown.Table(
            ["mode", "nodes", "acked", "connect s", "pushes", "ACK p50 ms", "ACK p99 ms", "ACK max ms",
             "RSS/node", "heap/node", "CPU s/push", "allocated/push/node"],
            results.Runs.OrderBy(run => run.Mode, StringComparer.Ordinal).ThenBy(run => run.Nodes).Select(RunCells)));
        if (chartFile is not null)
        {
            text.AppendLine($"![change-to-ACK latency against the number of nodes]({chartFile})\n");
        }

        return text.Append(Churn(results.Churn)).ToString();
    }

    private static IEnumerable<TargetRow> Targets(ControlPlaneResults results)
    {
        foreach (var mode in Modes)
        {
            var runs = results.Runs.Where(run => run.Mode == mode).ToList();
            yield return Connected(mode, runs);
            yield return P99(mode, runs, 1_000, P99TargetMsAt1000);
            yield return P99(mode, runs, 10_000, P99TargetMsAt10000);
            yield return MemoryPerNode(mode, runs);
        }

        yield return DeltaChurn(results.Churn);
    }

    private static TargetRow Connected(string mode, List<PushRun> runs)
    {
        var target = $"{mode}: {TargetNodes:N0} nodes connected and acknowledging";
        var largest = runs.Where(run => run.Nodes >= TargetNodes).MaxBy(run => run.NodesAcked);
        return largest is null
            ? TargetRow.NotMeasured(target, $"no run with {TargetNodes:N0} nodes or more")
            : TargetRow.Check(target, $"{largest.NodesAcked:N0} of {largest.Nodes:N0} acked",
                largest.NodesAcked >= TargetNodes && largest.NodesAcked >= largest.Nodes);
    }

    private static TargetRow P99(string mode, List<PushRun> runs, int nodes, double targetMs)
    {
        var target = $"{mode}: p99 change to ACK <= {Markdown.Number(targetMs)} ms at {nodes:N0} nodes";
        var run = runs.FirstOrDefault(candidate => candidate.Nodes == nodes);
        return run is null
            ? TargetRow.NotMeasured(target, $"no run with {nodes:N0} nodes")
            : TargetRow.Check(target, $"{Markdown.Ms(run.AckLatencyMs.P99)} ms ({Markdown.Ratio(run.AckLatencyMs.P99, targetMs)} of the target)",
                run.AckLatencyMs.P99 <= targetMs && run.NodesAcked == run.Nodes);
    }

    private static TargetRow MemoryPerNode(string mode, List<PushRun> runs)
    {
        var target = $"{mode}: control plane RSS <= 32 KiB per node";
        var largest = runs.MaxBy(run => run.Nodes);
        return largest is null
            ? TargetRow.NotMeasured(target, "no run")
            : TargetRow.Check(target, $"{Markdown.KiB(largest.RssBytesPerNode)} at {largest.Nodes:N0} nodes",
                largest.RssBytesPerNode <= BytesPerNodeTarget);
    }

    private static TargetRow DeltaChurn(ChurnResults? churn)
    {
        const string target = "delta churn sends one resource per watching node";
        if (churn?.Delta is not { } delta)
        {
            return TargetRow.NotMeasured(target, "no churn run");
        }

        var sotw = churn.Sotw is { } full ? $" (SotW: {Markdown.Number(full.ResourcesPerNode, "#,0.##")})" : "";
        return TargetRow.Check(target, $"resources per node: {Markdown.Number(delta.ResourcesPerNode, "#,0.##")}{sotw}",
            Math.Round(delta.ResourcesPerNode, 3) <= 1);
    }

    private static IReadOnlyList<string> RunCells(PushRun run) =>
    [
        run.Mode, Markdown.Number(run.Nodes), Markdown.Number(run.NodesAcked), Markdown.Number(run.ConnectSeconds, "0.0"),
        Markdown.Number(run.Pushes), Markdown.Ms(run.AckLatencyMs.P50), Markdown.Ms(run.AckLatencyMs.P99),
        Markdown.Ms(run.AckLatencyMs.Max), Markdown.KiB(run.RssBytesPerNode), Markdown.KiB(run.ManagedHeapBytesPerNode),
        Markdown.Number(run.CpuSecondsPerPush, "0.000"), Markdown.KiB(run.AllocatedBytesPerPushPerNode),
    ];

    private static string Churn(ChurnResults? churn)
    {
        if (churn is null)
        {
            return "Churn: not run.\n";
        }

        var text = new StringBuilder($"### Churn: one cluster changes among {churn.Clusters:N0}, {churn.Nodes:N0} nodes watching\n\n");
        var rows = new[] { ("SotW", churn.Sotw), ("delta", churn.Delta) }
            .Where(row => row.Item2 is not null)
            .Select(row => (IReadOnlyList<string>)[row.Item1, Markdown.Number(row.Item2!.BytesPerNode),
                Markdown.Number(row.Item2.ResourcesPerNode, "#,0.##")]);
        text.AppendLine(Markdown.Table(["mode", "bytes per node", "resources per node"], rows));
        text.AppendLine($"Delta bytes / SotW bytes: {Markdown.Ratio(churn.Delta?.BytesPerNode, churn.Sotw?.BytesPerNode)}.\n");
        return text.ToString();
    }
}
