namespace Agent.Clusters;

/// <summary>Why a host is not healthy, as Envoy's /clusters prints them in <c>health_flags</c>.</summary>
[Flags]
internal enum HostHealthFlags
{
    None = 0,

    /// <summary>The active health checker has failed the host, or has not passed it yet.</summary>
    FailedActiveHealthCheck = 1,

    /// <summary>Outlier detection has ejected the host.</summary>
    FailedOutlierCheck = 2,

    /// <summary>EDS reported the host UNHEALTHY, DRAINING or TIMEOUT.</summary>
    FailedEdsHealth = 4,

    /// <summary>The host has not been health checked yet since it was added.</summary>
    PendingActiveHealthCheck = 8,
}

internal static class HostHealthFlagsText
{
    /// <summary>Formats the flags as Envoy does: <c>healthy</c>, or each failure as <c>/failed_active_hc</c>.</summary>
    public static string Format(HostHealthFlags flags)
    {
        if ((flags & ~HostHealthFlags.PendingActiveHealthCheck) == HostHealthFlags.None)
        {
            return "healthy";
        }

        var text = "";
        if (flags.HasFlag(HostHealthFlags.FailedActiveHealthCheck))
        {
            text += "/failed_active_hc";
        }

        if (flags.HasFlag(HostHealthFlags.FailedOutlierCheck))
        {
            text += "/failed_outlier_check";
        }

        if (flags.HasFlag(HostHealthFlags.FailedEdsHealth))
        {
            text += "/failed_eds_health";
        }

        if (flags.HasFlag(HostHealthFlags.PendingActiveHealthCheck))
        {
            text += "/pending_active_hc";
        }

        return text;
    }
}
