namespace Report;

/// <summary>The whole of RESULTS.md: how the figures were made, then the control plane and agent parts.</summary>
internal static class ResultsPage
{
    public static string Write(
        RawFile<ControlPlaneResults> controlPlane, RawFile<AgentResults> agent, IReadOnlyList<string> settings, string? commit,
        string? chartFile) =>
        $"""
        # Benchmark results

        Written by `bench/Report` from `bench/results/raw/*.json`; `bash bench/run.sh` measures and writes everything
        again. Benchmarks measure and assert nothing. The load generators, proxies and servers run on one machine and
        share its cores, so absolute figures depend on that machine and on whatever else ran on it; each figure is
        therefore shown as a ratio to its peer measured in the same run. A target marked missed is a fact about this
        run, not a test failure.
        {CommitLine(commit)}
        {ControlPlaneSection.Write(controlPlane, chartFile)}
        {AgentSection.Write(agent, settings)}
        """;

    // bench/run.sh records the commit it measures in raw/commit.txt; without that file the line is left out.
    private static string CommitLine(string? commit) =>
        commit is null ? "" : $"\nMeasured on commit `{commit}`.\n";
}
