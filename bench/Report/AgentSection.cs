using System.Text;

namespace Report;

/// <summary>The agent part of RESULTS.md: Redis and HTTP figures as ratios to their peers, and memory.</summary>
internal static class AgentSection
{
    private const double RedisShareOfDirectTarget = 0.9;
    private const double HttpP99OfNginxTarget = 1.2;

    public static string Write(RawFile<AgentResults> file, IReadOnlyList<string> settings)
    {
        var text = new StringBuilder("## Agent\n\n");
        if (file.Content is not { } results)
        {
            return text.AppendLine($"{file.Missing}. Run `bash bench/run.sh --agent` to measure it.").ToString();
        }

        text.AppendLine($"Machine: {results.Machine}. Run at {results.Date}.\n");
        if (settings.Count > 0)
        {
            text.AppendLine(string.Join('\n', settings)).AppendLine();
        }

        text.AppendLine("### Targets\n");
        text.AppendLine(Markdown.Table(["target", "measured", "status"], Targets(results).Select(row => row.Cells)));
        text.Append(Redis(results.Redis)).Append(Http(results.Http)).Append(Memory(results.AgentMemory));
        return text.ToString();
    }

    private static IEnumerable<TargetRow> Targets(AgentResults results)
    {
        var redis = RedisCases(results.Redis).ToList();
        yield return RedisTarget(redis, "Redis proxy >= 90% of direct ops/s", "direct",
            ratio => ratio >= RedisShareOfDirectTarget);
        yield return RedisTarget(redis, "Redis proxy ahead of HAProxy (TCP mode) in ops/s", "haproxy", ratio => ratio > 1);

        var agent = results.Http.FirstOrDefault(run => run.Target == "agent");
        var nginx = results.Http.FirstOrDefault(run => run.Target == "nginx");
        if (agent is null || nginx is null)
        {
            yield return TargetRow.NotMeasured("HTTP proxy ahead of nginx in requests/s", "no agent or nginx run");
            yield return TargetRow.NotMeasured("HTTP proxy p99 <= 1.2x nginx's", "no agent or nginx run");
            yield break;
        }

        yield return TargetRow.Check("HTTP proxy ahead of nginx in requests/s",
            $"agent/nginx {Markdown.Ratio(agent.RequestsPerSec, nginx.RequestsPerSec)}", agent.RequestsPerSec > nginx.RequestsPerSec);
        yield return TargetRow.Check("HTTP proxy p99 <= 1.2x nginx's",
            $"p99 agent/nginx {Markdown.Ratio(agent.P99Ms, nginx.P99Ms)}", agent.P99Ms <= HttpP99OfNginxTarget * nginx.P99Ms);
    }

    /// <summary>Checks every command and pipeline depth; the figure is the lowest ratio, which decides.</summary>
    private static TargetRow RedisTarget(List<RedisCase> cases, string target, string peer, Func<double, bool> met)
    {
        var ratios = cases
            .Select(row => (Case: row, Peer: peer == "direct" ? row.Direct : row.Haproxy))
            .Where(pair => pair.Case.Agent is not null && pair.Peer is { OpsPerSec: > 0 })
            .Select(pair => (pair.Case.Name, Ratio: pair.Case.Agent!.OpsPerSec / pair.Peer!.OpsPerSec))
            .ToList();
        if (ratios.Count == 0)
        {
            return TargetRow.NotMeasured(target, $"no agent and {peer} runs");
        }

        var lowest = ratios.MinBy(pair => pair.Ratio);
        return TargetRow.Check(target, $"agent/{peer} {Markdown.Number(lowest.Ratio, "0.00")}x at the lowest ({lowest.Name})",
            ratios.All(pair => met(pair.Ratio)));
    }

    private sealed record RedisCase(string Name, RedisResult? Direct, RedisResult? Agent, RedisResult? Haproxy);

    private static IEnumerable<RedisCase> RedisCases(IReadOnlyList<RedisResult> results) =>
        results
            .GroupBy(row => (row.Command, row.Pipeline))
            .OrderBy(group => group.Key.Pipeline).ThenByDescending(group => group.Key.Command, StringComparer.Ordinal)
            .Select(group => new RedisCase(
                $"{group.Key.Command} -P {group.Key.Pipeline}",
                group.FirstOrDefault(row => row.Target == "direct"),
                group.FirstOrDefault(row => row.Target == "agent"),
                group.FirstOrDefault(row => row.Target == "haproxy")));

    private static string Redis(IReadOnlyList<RedisResult> results)
    {
        var rows = RedisCases(results).Select(row => (IReadOnlyList<string>)
        [
            row.Name, Ops(row.Direct), Ops(row.Agent), Ops(row.Haproxy),
            Markdown.Ratio(row.Agent?.OpsPerSec, row.Direct?.OpsPerSec),
            Markdown.Ratio(row.Agent?.OpsPerSec, row.Haproxy?.OpsPerSec),
            Latency(row.Direct), Latency(row.Agent), Latency(row.Haproxy),
            Markdown.Ratio(row.Agent?.P99Ms, row.Haproxy?.P99Ms),
        ]);
        return "### Redis\n\n" + Markdown.Table(
            ["test", "direct ops/s", "agent ops/s", "HAProxy ops/s", "ops/s agent/direct", "ops/s agent/HAProxy",
             "direct p50 / p99 ms", "agent p50 / p99 ms", "HAProxy p50 / p99 ms", "p99 agent/HAProxy"], rows) + "\n";
    }

    private static string Http(IReadOnlyList<HttpResult> results)
    {
        string[] order = ["direct", "agent", "nginx", "haproxy"];
        var figures = results.OrderBy(run => Array.IndexOf(order, run.Target)).Select(run => (IReadOnlyList<string>)
            [run.Target, Markdown.Number(run.RequestsPerSec), Markdown.Ms(run.P50Ms), Markdown.Ms(run.P99Ms)]);
        var agent = results.FirstOrDefault(run => run.Target == "agent");
        var ratios = order.Where(target => target != "agent")
            .Select(target => results.FirstOrDefault(run => run.Target == target))
            .Where(peer => peer is not null)
            .Select(peer => (IReadOnlyList<string>)
            [
                $"agent/{peer!.Target}", Markdown.Ratio(agent?.RequestsPerSec, peer.RequestsPerSec),
                Markdown.Ratio(agent?.P50Ms, peer.P50Ms), Markdown.Ratio(agent?.P99Ms, peer.P99Ms),
            ]);
        return "### HTTP\n\n" + Markdown.Table(["target", "requests/s", "p50 ms", "p99 ms"], figures) + "\n"
            + Markdown.Table(["ratio", "requests/s", "p50", "p99"], ratios) + "\n";
    }

    private static string Memory(AgentMemory? memory) =>
        memory is null
            ? "### Agent memory\n\nnot measured\n"
            : "### Agent memory\n\n" + Markdown.Table(["idle RSS", "peak RSS under load", "peak/idle"],
                [[Markdown.MiB(memory.RssBytesIdle), Markdown.MiB(memory.RssBytesPeak),
                  Markdown.Ratio(memory.RssBytesPeak, memory.RssBytesIdle)]]);

    private static string Ops(RedisResult? result) => result is null ? "n/a" : Markdown.Number(result.OpsPerSec);

    private static string Latency(RedisResult? result) =>
        result is null ? "n/a" : $"{Markdown.Ms(result.P50Ms)} / {Markdown.Ms(result.P99Ms)}";
}
