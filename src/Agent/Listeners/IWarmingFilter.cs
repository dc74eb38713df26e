namespace Agent.Listeners;

/// <summary>
/// A network filter that must receive more configuration before its listener accepts connections,
/// as an HTTP connection manager waits for its RDS route configuration.
/// </summary>
internal interface IWarmingFilter
{
    Task WhenReady { get; }
}
