namespace Report;

/// <summary>bench/results/raw/controlplane.json, written by bench/controlplane/run.sh.</summary>
internal sealed record ControlPlaneResults(
    string Machine, string Date, IReadOnlyList<PushRun> Runs, ChurnResults? Churn);

/// <summary>One control plane run: N simulated nodes of one protocol mode ("sotw" or "delta").</summary>
internal sealed record PushRun(
    string Mode,
    int Nodes,
    double ConnectSeconds,
    int Pushes,
    LatencyMs AckLatencyMs,
    double RssBytesPerNode,
    double ManagedHeapBytesPerNode,
    double CpuSecondsPerPush,
    double AllocatedBytesPerPushPerNode,
    int NodesAcked);

/// <summary>Change-to-ACK latency over all pushes of a run, in milliseconds.</summary>
internal sealed record LatencyMs(double P50, double P99, double Max);

/// <summary>What one change among many clusters costs per watching node, in each mode.</summary>
internal sealed record ChurnResults(int Clusters, int Nodes, ChurnCost? Sotw, ChurnCost? Delta);

/// <summary>Bytes and resources one node received for one churn change.</summary>
internal sealed record ChurnCost(double BytesPerNode, double ResourcesPerNode);

/// <summary>bench/results/raw/agent.json, written by bench/agent/run.sh.</summary>
internal sealed record AgentResults(
    string Machine, string Date, IReadOnlyList<RedisResult> Redis, IReadOnlyList<HttpResult> Http,
    AgentMemory? AgentMemory);

/// <summary>One redis-benchmark test against one target ("direct", "agent" or "haproxy").</summary>
internal sealed record RedisResult(string Target, string Command, int Pipeline, double OpsPerSec, double P50Ms, double P99Ms);

/// <summary>One wrk run against one target ("direct", "agent", "nginx" or "haproxy").</summary>
internal sealed record HttpResult(string Target, double RequestsPerSec, double P50Ms, double P99Ms);

/// <summary>The agent's resident set size before and during the load.</summary>
internal sealed record AgentMemory(long RssBytesIdle, long RssBytesPeak);
