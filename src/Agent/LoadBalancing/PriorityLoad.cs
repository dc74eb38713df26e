namespace Agent.LoadBalancing;

/// <summary>The host counts of one priority level, the input of the load calculation.</summary>
internal readonly record struct PriorityHealth(int TotalHosts, int HealthyHosts);

/// <summary>The share of traffic (percent, summing to 100) each priority gets, and which are in panic.</summary>
internal sealed record PriorityLoadResult(IReadOnlyList<int> Loads, IReadOnlyList<bool> Panic);

/// <summary>
/// Envoy's priority load. Each level's health is min(100, overprovisioning_factor% * healthy / total)
/// in whole percent; a level takes load in proportion to its health, and what a level cannot take
/// spills to the next ones. Worked example with factor 140 and a full P1: P0 71% healthy gives
/// health 99 (140 * 71 / 100 = 99.4, truncated), so P0 takes 99% and P1 the remaining 1%.
/// </summary>
internal static class PriorityLoad
{
    public const int DefaultOverprovisioningFactor = 140;

    public static PriorityLoadResult Compute(IReadOnlyList<PriorityHealth> levels, int overprovisioningFactor, double panicThresholdPercent)
    {
        var health = levels.Select(l => Health(l, overprovisioningFactor)).ToArray();
        var totalHealth = Math.Min(100, health.Sum());
        var loads = new int[levels.Count];
        if (levels.Count == 0)
        {
            return new PriorityLoadResult(loads, []);
        }

        if (totalHealth == 0)
        {
            // No priority has a healthy host: everything goes to P0, which is then in panic.
            loads[0] = 100;
        }
        else
        {
            Distribute(health, totalHealth, loads);
        }

        var panic = levels.Select(l => totalHealth < 100 && IsInPanic(l, panicThresholdPercent)).ToArray();
        if (panic.All(p => p))
        {
            DistributeByHostCount(levels, loads);
        }

        return new PriorityLoadResult(loads, panic);
    }

    private static int Health(PriorityHealth level, int factor) =>
        level.TotalHosts == 0 ? 0 : (int)Math.Min(100L, (long)factor * level.HealthyHosts / level.TotalHosts);

    // Normalizes each level's health by the total so the loads sum to 100; the rounding remainder
    // goes to the first level that has any health.
    private static void Distribute(int[] health, int totalHealth, int[] loads)
    {
        var remaining = 100;
        for (var i = 0; i < health.Length; i++)
        {
            loads[i] = Math.Min(remaining, health[i] * 100 / totalHealth);
            remaining -= loads[i];
        }

        if (remaining > 0)
        {
            var first = Array.FindIndex(health, h => h > 0);
            loads[first] += remaining;
        }
    }

    // With every level in panic Envoy ignores health and splits load by each level's share of all
    // hosts. The rounding remainder goes to the first level that has hosts.
    private static void DistributeByHostCount(IReadOnlyList<PriorityHealth> levels, int[] loads)
    {
        var totalHosts = levels.Sum(l => l.TotalHosts);
        Array.Clear(loads);
        if (totalHosts == 0)
        {
            loads[0] = 100;
            return;
        }

        for (var i = 0; i < levels.Count; i++)
        {
            loads[i] = 100 * levels[i].TotalHosts / totalHosts;
        }

        var first = levels.ToList().FindIndex(l => l.TotalHosts > 0);
        loads[first] += 100 - loads.Sum();
    }

    private static bool IsInPanic(PriorityHealth level, double thresholdPercent)
    {
        if (level.TotalHosts == 0)
        {
            return thresholdPercent > 0;
        }

        return 100.0 * level.HealthyHosts / level.TotalHosts < thresholdPercent;
    }
}
