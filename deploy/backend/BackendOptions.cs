using System.Net;

namespace Backend;

/// <summary>The command line: <c>--name NAME --port PORT [--address IP]</c>.</summary>
internal sealed record BackendOptions(string Name, IPAddress Address, int Port)
{
    public const string Usage = "usage: Backend --name NAME --port PORT [--address IP]  (IP defaults to 127.0.0.1)";

    /// <summary>Parses the arguments, or returns every problem found in them.</summary>
    public static (BackendOptions? Options, IReadOnlyList<string> Errors) Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var errors = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is not ("--name" or "--port" or "--address"))
            {
                errors.Add($"unknown argument '{args[i]}'");
            }
            else if (i + 1 >= args.Count)
            {
                errors.Add($"{args[i]} is missing its value");
            }
            else
            {
                values[args[i]] = args[++i];
            }
        }

        var name = values.GetValueOrDefault("--name");
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add("--name is required");
        }

        var port = 0;
        if (!values.TryGetValue("--port", out var portText))
        {
            errors.Add("--port is required");
        }
        else if (!int.TryParse(portText, out port) || port is < 1 or > 65535)
        {
            errors.Add($"--port '{portText}' is not a port number (1-65535)");
        }

        var address = IPAddress.Loopback;
        if (values.TryGetValue("--address", out var addressText) && !IPAddress.TryParse(addressText, out address!))
        {
            errors.Add($"--address '{addressText}' is not an IP address");
        }

        return errors.Count > 0 ? (null, errors) : (new BackendOptions(name!, address, port), errors);
    }
}
