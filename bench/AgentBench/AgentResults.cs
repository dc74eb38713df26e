namespace AgentBench;

/// <summary>The shape of bench/results/raw/agent.json, serialized in camelCase.</summary>
internal sealed record AgentResults(
    string Machine,
    string Date,
    IReadOnlyList<RedisResult> Redis,
    IReadOnlyList<HttpResult> Http,
    AgentMemory AgentMemory);

/// <summary>One redis-benchmark test (SET or GET) against one target at one pipeline depth.</summary>
internal sealed record RedisResult(string Target, string Command, int Pipeline, double OpsPerSec, double P50Ms, double P99Ms);

/// <summary>One wrk run against one target.</summary>
internal sealed record HttpResult(string Target, double RequestsPerSec, double P50Ms, double P99Ms);

/// <summary>The agent's resident set size before the load and the largest sample taken during it.</summary>
internal sealed record AgentMemory(long RssBytesIdle, long RssBytesPeak);
