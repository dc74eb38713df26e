namespace Agent;

/// <summary>Command-line settings besides the bootstrap.</summary>
internal sealed record AgentOptions
{
    /// <summary>How long a removed or replaced listener lets its connections finish (Envoy's --drain-time-s, default 600 s).</summary>
    public TimeSpan DrainTime { get; init; } = TimeSpan.FromSeconds(600);
}
