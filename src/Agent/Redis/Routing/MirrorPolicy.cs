using Agent.Redis.Commands;

namespace Agent.Redis.Routing;

/// <summary>
/// A route's request_mirror_policy. <paramref name="Numerator"/> out of <paramref name="Denominator"/>
/// requests are mirrored (runtime_fraction's default_value; all requests when it is unset).
/// </summary>
internal sealed record MirrorPolicy(string Cluster, bool ExcludeReadCommands, uint Numerator, uint Denominator)
{
    public bool ShouldMirror(string lowerCaseCommand)
    {
        if (ExcludeReadCommands && !SupportedCommands.IsWrite(lowerCaseCommand))
        {
            return false;
        }

        return Numerator >= Denominator || (uint)Random.Shared.NextInt64(Denominator) < Numerator;
    }
}
