using Backend;
using Microsoft.AspNetCore.Server.Kestrel.Core;

var (options, errors) = BackendOptions.Parse(args);
if (options is null)
{
    foreach (var error in errors)
    {
        Console.Error.WriteLine($"Backend: {error}");
    }

    Console.Error.WriteLine(BackendOptions.Usage);
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel =>
    kestrel.Listen(options.Address, options.Port, listen => listen.Protocols = HttpProtocols.Http1));

var app = builder.Build();
var state = new BackendState();
var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Backend");
BackendEndpoints.Map(app, options, state, logger);

await app.StartAsync();
BackendLog.Listening(logger, options.Name, $"{options.Address}:{options.Port}");
await app.WaitForShutdownAsync();
return 0;
