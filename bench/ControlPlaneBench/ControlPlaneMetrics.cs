using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;

namespace ControlPlaneBench;

/// <summary>
/// The control plane's managed heap and allocated bytes, read from its Prometheus <c>/metrics</c>:
/// prometheus-net's <c>dotnet_total_memory_bytes</c> (GC.GetTotalMemory) and the runtime's
/// System.Runtime meter, which prometheus-net exports as <c>system_runtime_dotnet_gc_heap_total_allocated</c>.
/// </summary>
internal sealed class ControlPlaneMetrics(ControlPlaneProcess controlPlane, HttpClient http)
{
    // The runtime's GCHeapCollect keyword: a trace session that enables it makes the runtime run
    // a full blocking GC, which is how dotnet-gcdump gets a heap without garbage in it.
    private const long GcHeapCollectKeyword = 0x800000;

    /// <summary>
    /// Returns the bytes one scrape of <c>/metrics</c> allocates in the control plane, measured
    /// between two scrapes, so that allocation figures can leave the benchmark's own reads out.
    /// </summary>
    public async Task<double> MeasureScrapeAllocationAsync()
    {
        var first = await ReadAsync();
        var second = await ReadAsync();
        return second.AllocatedBytes - first.AllocatedBytes;
    }

    public async Task<HeapSample> ReadAsync()
    {
        var text = await http.GetStringAsync(controlPlane.ApiUrl("/metrics"));
        return new HeapSample(
            Value(text, "dotnet_total_memory_bytes"),
            Value(text, "system_runtime_dotnet_gc_heap_total_allocated"),
            Value(text, "dotnet_collection_count_total{generation=\"2\"}"));
    }

    /// <summary>Makes the control plane run a full GC, so that its heap holds only live objects.</summary>
    public async Task ForceGcAsync()
    {
        var before = await ReadAsync();
        var client = new DiagnosticsClient(controlPlane.Pid);
        var provider = new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GcHeapCollectKeyword);
        using (var session = client.StartEventPipeSession([provider], requestRundown: false))
        {
            // The GC runs when the session starts; the events it writes are not needed.
            var drain = session.EventStream.CopyToAsync(Stream.Null);
            await Task.Delay(TimeSpan.FromSeconds(1));
            session.Stop();
            await drain.WaitAsync(TimeSpan.FromSeconds(10));
        }

        var after = await ReadAsync();
        if (after.Gen2Collections <= before.Gen2Collections)
        {
            Console.WriteLine("bench: warning: the forced GC did not show in dotnet_collection_count_total; heap figures include garbage");
        }
    }

    /// <summary>Returns the value of the sample whose name and labels are exactly <paramref name="series"/>.</summary>
    private static double Value(string text, string series)
    {
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (line.StartsWith(series) && line.Length > series.Length && line[series.Length] == ' ')
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return double.NaN;
    }
}

/// <summary>The managed heap (bytes), the bytes allocated since start and the number of gen 2 GCs so far.</summary>
internal readonly record struct HeapSample(double HeapBytes, double AllocatedBytes, double Gen2Collections);
