using System.Text.RegularExpressions;

namespace Agent.Tests.EndToEnd;

/// <summary>
/// deploy/examples/scenario.yaml, whose listeners bind 127.0.0.1, with its fixed ports replaced by
/// the free ports a test opened.
/// </summary>
internal static class ScenarioFile
{
    public static string Load(ScenarioPorts ports)
    {
        var yaml = File.ReadAllText(Locate());
        yaml = ReplacePort(yaml, 6379, ports.RedisPrimary, expected: 1);
        yaml = ReplacePort(yaml, 6380, ports.RedisSecondary, expected: 2);
        yaml = ReplacePort(yaml, 8081, ports.BackendA, expected: 1);
        yaml = ReplacePort(yaml, 8082, ports.BackendB, expected: 1);
        yaml = ReplacePort(yaml, 16379, ports.RedisListener, expected: 1);
        return ReplacePort(yaml, 10000, ports.HttpListener, expected: 1);
    }

    private static string ReplacePort(string yaml, int from, int to, int expected) =>
        Replace(yaml, $"port_value: {from} ", $"port_value: {to} ", expected);

    /// <summary>Replaces every occurrence, failing when the count differs, so a changed scenario fails here rather than later.</summary>
    private static string Replace(string yaml, string from, string to, int expected)
    {
        var found = Regex.Matches(yaml, Regex.Escape(from)).Count;
        Assert.True(found == expected, $"scenario.yaml contains '{from}' {found} time(s), expected {expected}");
        return yaml.Replace(from, to, StringComparison.Ordinal);
    }

    private static string Locate()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "deploy", "examples", "scenario.yaml");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("deploy/examples/scenario.yaml was not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>The free loopback ports that replace the scenario's fixed ones.</summary>
internal sealed record ScenarioPorts(
    int RedisPrimary,
    int RedisSecondary,
    int BackendA,
    int BackendB,
    int RedisListener,
    int HttpListener);
