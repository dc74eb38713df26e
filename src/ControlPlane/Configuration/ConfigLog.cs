namespace ControlPlane.Configuration;

/// <summary>Log messages of the configuration writer (event ids 2000-2099).</summary>
internal sealed partial class ConfigLog(ILogger logger)
{
    [LoggerMessage(EventId = 2000, EventName = "ConfigLoaded", Level = LogLevel.Information,
        Message = "Loaded configuration version {Version} from the store: {Clusters} clusters, {Listeners} listeners, {Routes} route configurations")]
    public partial void Loaded(long version, int clusters, int listeners, int routes);

    [LoggerMessage(EventId = 2001, EventName = "ConfigCommitted", Level = LogLevel.Information,
        Message = "Committed and published configuration version {Version} ({Changes} resources changed)")]
    public partial void Committed(long version, int changes);

    [LoggerMessage(EventId = 2002, EventName = "ConfigRejected", Level = LogLevel.Information,
        Message = "Rejected a change at configuration version {Version} with {Problems} problems")]
    public partial void Rejected(long version, int problems);
}
