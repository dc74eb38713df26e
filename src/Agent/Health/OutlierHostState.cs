namespace Agent.Health;

/// <summary>One host's outlier counters. Guarded by the owning <see cref="OutlierDetector"/>'s lock.</summary>
internal sealed class OutlierHostState
{
    public int Consecutive5xx;
    public int ConsecutiveGatewayFailure;
    public int ConsecutiveLocalOriginFailure;

    // Per-interval request outcomes; external ones come from the upstream's responses, local-origin
    // ones from connect failures, timeouts and resets (kept apart only when the split is enabled).
    public long ExternalSuccess;
    public long ExternalFailure;
    public long LocalSuccess;
    public long LocalFailure;

    public int EjectionCount;
    public DateTimeOffset? EjectedAt;

    public bool IsEjected => EjectedAt is not null;

    public void ResetInterval()
    {
        ExternalSuccess = 0;
        ExternalFailure = 0;
        LocalSuccess = 0;
        LocalFailure = 0;
    }
}

/// <summary>Why a host was ejected; the text is the stat suffix Envoy uses.</summary>
internal enum EjectionReason
{
    Consecutive5xx,
    ConsecutiveGatewayFailure,
    ConsecutiveLocalOriginFailure,
    SuccessRate,
    LocalOriginSuccessRate,
    FailurePercentage,
    LocalOriginFailurePercentage,
}
