namespace Agent.Xds;

/// <summary>
/// Jittered exponential backoff between ADS reconnect attempts. The ceiling starts at 0.5 s and
/// doubles on every failed attempt up to 30 s. Each delay is drawn uniformly from
/// [ceiling / 2, ceiling], so many agents do not reconnect in step. A response on the stream
/// resets it.
/// </summary>
internal sealed class ReconnectBackoff(Random? random = null)
{
    public static readonly TimeSpan BaseInterval = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(30);

    private readonly Random _random = random ?? Random.Shared;
    private int _attempt;

    /// <summary>The ceiling of the next delay.</summary>
    public TimeSpan Ceiling
    {
        get
        {
            var ceiling = BaseInterval * Math.Pow(2, Math.Min(_attempt, 16));
            return ceiling > MaxInterval ? MaxInterval : ceiling;
        }
    }

    public TimeSpan Next()
    {
        var ceiling = Ceiling;
        _attempt++;
        return ceiling / 2 + (ceiling / 2) * _random.NextDouble();
    }

    public void Reset() => _attempt = 0;
}
