using System.Globalization;

namespace ControlPlaneBench;

/// <summary>The machine line of the results: cores, memory and kernel, read from /proc.</summary>
internal static class Machine
{
    public static string Describe()
    {
        var memory = File.ReadLines("/proc/meminfo").First(line => line.StartsWith("MemTotal:", StringComparison.Ordinal));
        var kilobytes = long.Parse(memory["MemTotal:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        var kernel = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        return $"{Environment.ProcessorCount} cores, shared by the load generator and the control plane; "
            + $"{kilobytes / 1024.0 / 1024.0:F1} GiB RAM; Linux {kernel}; .NET {Environment.Version}";
    }
}
