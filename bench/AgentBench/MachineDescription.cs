using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentBench;

/// <summary>Describes the machine from /proc: cores, memory, CPU model and kernel release.</summary>
internal static partial class MachineDescription
{
    public static string Read()
    {
        var cores = Environment.ProcessorCount;
        var memory = ReadMemTotalGiB();
        var cpu = ReadCpuModel();
        var kernel = ReadFirstLine("/proc/sys/kernel/osrelease") ?? "unknown";
        return $"{cores} cores ({cpu}), {memory} GiB RAM, Linux {kernel}; load tools, proxies and servers share these cores";
    }

    private static string ReadMemTotalGiB()
    {
        var text = File.Exists("/proc/meminfo") ? File.ReadAllText("/proc/meminfo") : "";
        var match = MemTotal().Match(text);
        return match.Success
            ? (long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) / 1024.0 / 1024.0).ToString("0.#", CultureInfo.InvariantCulture)
            : "unknown";
    }

    private static string ReadCpuModel()
    {
        var text = File.Exists("/proc/cpuinfo") ? File.ReadAllText("/proc/cpuinfo") : "";
        var match = ModelName().Match(text);
        return match.Success ? match.Groups[1].Value.Trim() : "unknown CPU";
    }

    private static string? ReadFirstLine(string path) =>
        File.Exists(path) ? File.ReadLines(path).FirstOrDefault()?.Trim() : null;

    [GeneratedRegex(@"^MemTotal:\s+(\d+) kB", RegexOptions.Multiline)]
    private static partial Regex MemTotal();

    [GeneratedRegex(@"^model name\s*:\s*(.+)$", RegexOptions.Multiline)]
    private static partial Regex ModelName();
}
