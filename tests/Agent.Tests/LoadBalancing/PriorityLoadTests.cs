using Agent.LoadBalancing;

namespace Agent.Tests.LoadBalancing;

public sealed class PriorityLoadTests
{
    // Envoy's documented split for two priorities, P1 fully healthy, overprovisioning factor 140.
    [Theory]
    [InlineData(100, 100, 0)]
    [InlineData(72, 100, 0)]
    [InlineData(71, 99, 1)]
    [InlineData(50, 70, 30)]
    [InlineData(25, 35, 65)]
    [InlineData(0, 0, 100)]
    public void Compute_P0HealthyPercent_MatchesEnvoyTable(int p0Healthy, int expectedP0, int expectedP1)
    {
        PriorityHealth[] levels = [new(100, p0Healthy), new(100, 100)];

        var result = PriorityLoad.Compute(levels, PriorityLoad.DefaultOverprovisioningFactor, 50);

        Assert.Equal(expectedP0, result.Loads[0]);
        Assert.Equal(expectedP1, result.Loads[1]);
    }

    [Fact]
    public void Compute_BothLevelsDegraded_NormalizesToHundred()
    {
        // 20% healthy each: health 28 and 28, normalized to 50/50.
        PriorityHealth[] levels = [new(10, 2), new(10, 2)];

        var result = PriorityLoad.Compute(levels, 140, 50);

        Assert.Equal(50, result.Loads[0]);
        Assert.Equal(50, result.Loads[1]);
        Assert.True(result.Panic[0]);
        Assert.True(result.Panic[1]);
    }

    [Fact]
    public void Compute_NoHealthyHost_SendsAllToP0InPanic()
    {
        // Every level in panic splits by host count, so P0 gets everything when P1 has no hosts.
        PriorityHealth[] levels = [new(2, 0), new(0, 0)];

        var result = PriorityLoad.Compute(levels, 140, 50);

        Assert.Equal(100, result.Loads[0]);
        Assert.Equal(0, result.Loads[1]);
        Assert.True(result.Panic[0]);
    }

    [Fact]
    public void Compute_AllLevelsInPanic_SplitsByHostCount()
    {
        // When every level is in panic, Envoy spreads load by each level's share of all hosts,
        // whatever their health: 1 of 4 hosts in P0 and 3 of 4 in P1.
        PriorityHealth[] levels = [new(1, 0), new(3, 1)];

        var result = PriorityLoad.Compute(levels, 140, 50);

        Assert.Equal(25, result.Loads[0]);
        Assert.Equal(75, result.Loads[1]);
        Assert.True(result.Panic[0]);
        Assert.True(result.Panic[1]);
    }

    [Fact]
    public void Compute_OneLevelHalfHealthy_StaysOutOfPanic()
    {
        // 1 of 2 healthy: health min(100, 140 * 0.5) = 70; alone it takes everything and is not
        // in panic because 50% is not below the 50% threshold.
        PriorityHealth[] levels = [new(2, 1)];

        var result = PriorityLoad.Compute(levels, 140, 50);

        Assert.Equal(100, result.Loads[0]);
        Assert.False(result.Panic[0]);
    }
}
