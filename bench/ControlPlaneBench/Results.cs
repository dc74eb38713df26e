using System.Text.Json;
using System.Text.Json.Serialization;

namespace ControlPlaneBench;

/// <summary>bench/results/raw/controlplane.json, in the shape bench/Report reads (camelCase).</summary>
internal sealed record ControlPlaneResults(string Machine, string Date, List<PushRunResult> Runs, ChurnResult? Churn)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
    }
}

/// <summary>One mode at one node count. Memory per node is (connected - baseline) / nodes.</summary>
internal sealed record PushRunResult(
    string Mode,
    int Nodes,
    double ConnectSeconds,
    int Pushes,
    LatencySummary AckLatencyMs,
    double RssBytesPerNode,
    double ManagedHeapBytesPerNode,
    double CpuSecondsPerPush,
    double AllocatedBytesPerPushPerNode,
    int NodesAcked);

internal sealed record LatencySummary(double P50, double P99, double Max);

/// <summary>
/// What each node receives after one endpoint of a config of <paramref name="Clusters"/> EDS
/// clusters changes. Delta is null when it was not run.
/// </summary>
internal sealed record ChurnResult(int Clusters, int Nodes, ChurnFigures? Sotw, ChurnFigures? Delta);

internal sealed record ChurnFigures(double BytesPerNode, double ResourcesPerNode);
