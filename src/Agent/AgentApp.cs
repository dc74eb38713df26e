using System.Globalization;
using Agent.Bootstrap;

namespace Agent;

/// <summary>The agent's entry point: reads an Envoy v3 bootstrap named by <c>-c</c> or <c>--config-path</c> and serves it.</summary>
public static class AgentApp
{
    private const string Usage = "usage: agent -c <bootstrap.yaml> [--drain-time-s <seconds>]";

    public static async Task<int> RunAsync(string[] args)
    {
        var (path, options, argumentError) = ParseArguments(args);
        if (argumentError is not null)
        {
            Console.Error.WriteLine($"agent: {argumentError}");
            Console.Error.WriteLine(Usage);
            return 1;
        }

        var (bootstrap, errors) = BootstrapLoader.Load(path!);
        if (bootstrap is null)
        {
            foreach (var error in errors)
            {
                Console.Error.WriteLine($"agent: {error}");
            }

            return 1;
        }

        var host = AgentHost.Build(bootstrap, options);
        try
        {
            await host.RunAsync();
            return 0;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"agent: cannot start: {e.Message}");
            return 1;
        }
        finally
        {
            // The cluster and listener managers only dispose asynchronously.
            await ((IAsyncDisposable)host).DisposeAsync();
        }
    }

    internal static (string? Path, AgentOptions Options, string? Error) ParseArguments(string[] args)
    {
        string? path = null;
        var options = new AgentOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var (name, value) = SplitOption(args, ref i);
            switch (name)
            {
                case "-c" or "--config-path":
                    path = value;
                    break;
                case "--drain-time-s" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0:
                    options = options with { DrainTime = TimeSpan.FromSeconds(seconds) };
                    break;
                case "--drain-time-s":
                    return (null, options, $"--drain-time-s: '{value}' is not a number of seconds");
                default:
                    return (null, options, $"unknown option '{name}'");
            }

            if (value is null)
            {
                return (null, options, $"{name} needs a value");
            }
        }

        return path is null ? (null, options, "missing -c <bootstrap.yaml>") : (path, options, null);
    }

    // Accepts "--name value" and "--name=value".
    private static (string Name, string? Value) SplitOption(string[] args, ref int index)
    {
        var arg = args[index];
        var equals = arg.IndexOf('=');
        if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
        {
            return (arg[..equals], arg[(equals + 1)..]);
        }

        return (arg, index + 1 < args.Length ? args[++index] : null);
    }
}
