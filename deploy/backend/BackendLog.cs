namespace Backend;

internal static partial class BackendLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Backend {Name} listening on http://{Endpoint}")]
    public static partial void Listening(ILogger logger, string name, string endpoint);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Backend {Name} now fails: every GET returns 500 and /healthz 503")]
    public static partial void Failing(ILogger logger, string name);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Backend {Name} recovered")]
    public static partial void Recovered(ILogger logger, string name);
}
