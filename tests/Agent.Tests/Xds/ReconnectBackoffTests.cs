using Agent.Xds;

namespace Agent.Tests.Xds;

public sealed class ReconnectBackoffTests
{
    [Fact]
    public void Next_RepeatedFailures_DoublesCeilingUpToThirtySeconds()
    {
        var backoff = new ReconnectBackoff(new Random(7));
        double[] ceilings = [0.5, 1, 2, 4, 8, 16, 30, 30, 30];

        foreach (var ceiling in ceilings)
        {
            Assert.Equal(TimeSpan.FromSeconds(ceiling), backoff.Ceiling);
            var delay = backoff.Next();
            Assert.InRange(delay, TimeSpan.FromSeconds(ceiling / 2), TimeSpan.FromSeconds(ceiling));
        }
    }

    [Fact]
    public void Reset_AfterFailures_StartsAgainAtHalfSecond()
    {
        var backoff = new ReconnectBackoff(new Random(7));
        backoff.Next();
        backoff.Next();
        backoff.Next();

        backoff.Reset();

        Assert.Equal(TimeSpan.FromMilliseconds(500), backoff.Ceiling);
    }
}
