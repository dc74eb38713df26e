namespace Backend;

/// <summary>
/// The backend's routes. Every GET other than /healthz returns the backend's name, so a proxy
/// route for any path shows which backend served it.
/// </summary>
internal static class BackendEndpoints
{
    // Request headers a proxy sets about the client; echoed back so that a test can check them.
    private static readonly string[] EchoedHeaders = ["X-Forwarded-For", "X-Real-IP"];

    public static void Map(WebApplication app, BackendOptions options, BackendState state, ILogger logger)
    {
        app.MapGet("/healthz", () => state.Failing
            ? Results.Text("failing\n", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ok\n"));

        app.MapGet("/{**path}", (HttpContext context) => Answer(context, options.Name, state));

        app.MapPost("/fail", () =>
        {
            state.Failing = true;
            BackendLog.Failing(logger, options.Name);
            return Results.Text($"{options.Name} now fails\n");
        });

        app.MapPost("/recover", () =>
        {
            state.Failing = false;
            BackendLog.Recovered(logger, options.Name);
            return Results.Text($"{options.Name} recovered\n");
        });
    }

    private static IResult Answer(HttpContext context, string name, BackendState state)
    {
        context.Response.Headers["X-Backend-Name"] = name;
        foreach (var header in EchoedHeaders)
        {
            if (context.Request.Headers.TryGetValue(header, out var value))
            {
                context.Response.Headers[header] = value;
            }
        }

        return state.Failing
            ? Results.Text($"{name} failing\n", statusCode: StatusCodes.Status500InternalServerError)
            : Results.Text($"{name}\n");
    }
}
