using System.Text.Json;
using AgentBench;

// Usage: AgentBench --input DIR --output FILE
// DIR holds what bench/agent/run.sh saved: redis-TARGET-pPIPELINE.csv (redis-benchmark --csv),
// http-TARGET.txt (wrk --latency), rss-idle.txt and rss-peak.txt (bytes).
string? input = null, output = null;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--input": input = args[i + 1]; break;
        case "--output": output = args[i + 1]; break;
    }
}

if (input is null || output is null)
{
    Console.Error.WriteLine("usage: AgentBench --input DIR --output FILE (DIR: the raw output of bench/agent/run.sh)");
    return 2;
}

var problems = new List<string>();
var results = new AgentResults(
    MachineDescription.Read(),
    DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
    RawOutput.ReadRedis(input, problems),
    RawOutput.ReadHttp(input, problems),
    RawOutput.ReadMemory(input, problems));

foreach (var problem in problems)
{
    Console.Error.WriteLine($"AgentBench: {problem}");
}

Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
var json = JsonSerializer.Serialize(results, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true });
File.WriteAllText(output, json + "\n");
Console.WriteLine($"AgentBench: wrote {output} ({results.Redis.Count} Redis and {results.Http.Count} HTTP figures)");
return results.Redis.Count + results.Http.Count > 0 ? 0 : 1;
