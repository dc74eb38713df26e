namespace ControlPlane.Api;

/// <summary>
/// Turns an unexpected failure of an API call (for example a store write that failed) into a 500
/// problem response and logs it. The change that failed was neither kept nor published.
/// </summary>
internal sealed partial class ApiExceptionFilter(ILogger<ApiExceptionFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            var request = context.HttpContext.Request;
            RequestFailed(logger, exception, request.Method, request.Path);
            return new ApiProblem(StatusCodes.Status500InternalServerError,
                [new("body", $"the request failed and nothing was stored: {exception.Message}")]).ToResult();
        }
    }

    [LoggerMessage(EventId = 2100, EventName = "ApiRequestFailed", Level = LogLevel.Error,
        Message = "{Method} {Path} failed")]
    private static partial void RequestFailed(ILogger logger, Exception exception, string method, string path);
}
