using System.Globalization;
using System.Runtime.InteropServices;

namespace ControlPlaneBench;

/// <summary>A process's resident memory and CPU time, read from Linux's /proc.</summary>
internal readonly record struct ProcessSample(long RssBytes, double CpuSeconds)
{
    private const int ClockTicksName = 2; // _SC_CLK_TCK on Linux

    private static readonly double TicksPerSecond = sysconf(ClockTicksName);

    public static ProcessSample Read(int pid) => new(ReadRssBytes(pid), ReadCpuSeconds(pid));

    /// <summary>VmRSS from /proc/PID/status, which the kernel writes in kB.</summary>
    private static long ReadRssBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kilobytes = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new BenchException($"/proc/{pid}/status has no VmRSS line");
    }

    /// <summary>utime + stime (fields 14 and 15 of /proc/PID/stat, which the kernel counts in clock ticks), in seconds.</summary>
    private static double ReadCpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");

        // The command name in field 2 may contain spaces, so fields are counted after its ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (utime + stime) / TicksPerSecond;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern long sysconf(int name);
}
