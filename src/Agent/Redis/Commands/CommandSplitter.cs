using System.Buffers;
using System.Text;
using Agent.Redis.Protocol;
using Agent.Redis.Upstream;

namespace Agent.Redis.Commands;

/// <summary>
/// A request's reply (possibly still pending) and whether the connection closes after it (QUIT).
/// <paramref name="Count"/>, when set, is the command whose success or error the reply decides once it arrives.
/// </summary>
internal readonly record struct CommandResult(Task<RespValue> Reply, bool CloseConnection = false, CommandStats? Count = null);

/// <summary>
/// Decides what happens to each client command as Envoy's command splitter does: answers PING, ECHO,
/// TIME, QUIT and AUTH locally, rejects unsupported commands, forwards single-key commands, and
/// splits multi-key commands into one command per key.
/// </summary>
internal sealed class CommandSplitter(RedisProxyConfig config, UpstreamPool pool, RequestMirror mirror, RedisProxyStats stats, TimeProvider time)
{
    // Longer than every supported command name, so a longer name is rejected as unsupported without a lookup.
    private const int MaxCommandName = 32;

    private static readonly byte[] Get = "GET"u8.ToArray();
    private static readonly byte[] Set = "SET"u8.ToArray();

    public CommandResult Execute(RedisRequest request)
    {
        if (request.IsInvalid)
        {
            return InvalidRequest();
        }

        // The name is lower-cased into a stack buffer, so forwarding a command allocates no string for it.
        var args = request.Args;
        Span<char> buffer = stackalloc char[MaxCommandName];
        var name = LowerCaseAscii(args[0], buffer);
        if (ExecuteLocally(name, args) is { } local)
        {
            return local;
        }

        if (args.Length < 2)
        {
            return InvalidRequest();
        }

        if (!SupportedCommands.TryGetKind(name, out var command, out var kind))
        {
            stats.UnsupportedCommands.Increment();
            return Local(RespValue.Error(ProxyErrors.UnsupportedCommand(Encoding.UTF8.GetString(args[0]))));
        }

        var commandStats = stats.Commands[command];
        commandStats.Total.Increment();
        return kind switch
        {
            CommandKind.Simple => new CommandResult(RouteAndSend(command, args, keyIndex: 1).Reply, Count: commandStats),
            CommandKind.Eval => Eval(command, args, commandStats),
            CommandKind.MultiGet => new CommandResult(MultiGetAsync(args, commandStats)),
            CommandKind.MultiSet => new CommandResult(MultiSet(args, commandStats)),
            _ => new CommandResult(SumIntegersAsync(command, args, commandStats)),
        };
    }

    /// <summary>Returns the name in lower case, or an empty span when it is too long or not ASCII, which matches no supported command.</summary>
    private static ReadOnlySpan<char> LowerCaseAscii(byte[] name, Span<char> buffer)
    {
        if (name.Length > buffer.Length || Ascii.ToLower(name, buffer, out var written) != OperationStatus.Done)
        {
            return [];
        }

        return buffer[..written];
    }

    private CommandResult? ExecuteLocally(ReadOnlySpan<char> name, byte[][] args) => name switch
    {
        "ping" => Local(RespValue.Pong),
        "echo" => args.Length == 2 ? Local(RespValue.Bulk(args[1])) : InvalidRequest(),
        "time" => Local(CurrentTime()),
        "quit" => new CommandResult(Task.FromResult(RespValue.Ok), CloseConnection: true),

        // TODO(redis): downstream_auth_password(s) and downstream_auth_username are not supported; AUTH always fails.
        "auth" => Local(RespValue.Error(ProxyErrors.AuthNotConfigured)),
        _ => null,
    };

    private CommandResult Eval(string command, byte[][] args, CommandStats commandStats)
    {
        // EVAL script numkeys key [key ...] arg [arg ...]: the first key is the fourth element.
        if (args.Length < 4)
        {
            commandStats.Error.Increment();
            return Local(RespValue.Error(ProxyErrors.WrongNumberOfArguments(Encoding.UTF8.GetString(args[0]))));
        }

        return new CommandResult(RouteAndSend(command, args, keyIndex: 3).Reply, Count: commandStats);
    }

    private async Task<RespValue> MultiGetAsync(byte[][] args, CommandStats commandStats)
    {
        var replies = new Task<RespValue>[args.Length - 1];
        for (var i = 1; i < args.Length; i++)
        {
            replies[i - 1] = RouteAndSend("get", [Get, args[i]], keyIndex: 1).Reply;
        }

        var items = new RespValue[replies.Length];
        var errors = 0;
        for (var i = 0; i < replies.Length; i++)
        {
            var reply = await replies[i];
            items[i] = reply.Type switch
            {
                RespType.BulkString or RespType.Null or RespType.Error => reply,
                _ => RespValue.Error(ProxyErrors.UpstreamProtocolError),
            };
            errors += items[i].Type == RespType.Error ? 1 : 0;
        }

        commandStats.Record(errors == 0);
        return RespValue.Array(items);
    }

    private Task<RespValue> MultiSet(byte[][] args, CommandStats commandStats)
    {
        if ((args.Length - 1) % 2 != 0)
        {
            commandStats.Error.Increment();
            return Task.FromResult(RespValue.Error(ProxyErrors.WrongNumberOfArguments(Encoding.UTF8.GetString(args[0]))));
        }

        var replies = new Task<RespValue>[(args.Length - 1) / 2];
        for (var i = 0; i < replies.Length; i++)
        {
            replies[i] = RouteAndSend("set", [Set, args[1 + (2 * i)], args[2 + (2 * i)]], keyIndex: 1).Reply;
        }

        return CombineAsync(replies, reply => reply is { Type: RespType.SimpleString, Text: "OK" }, _ => RespValue.Ok, commandStats);
    }

    private Task<RespValue> SumIntegersAsync(string command, byte[][] args, CommandStats commandStats)
    {
        var replies = new Task<RespValue>[args.Length - 1];
        for (var i = 1; i < args.Length; i++)
        {
            replies[i - 1] = RouteAndSend(command, [args[0], args[i]], keyIndex: 1).Reply;
        }

        return CombineAsync(
            replies,
            reply => reply.Type == RespType.Integer,
            values => RespValue.FromInteger(values.Sum(value => value.Integer)),
            commandStats);
    }

    /// <summary>Waits for every fragment; any fragment that is not <paramref name="isSuccess"/> turns the whole reply into Envoy's error count message.</summary>
    private static async Task<RespValue> CombineAsync(
        Task<RespValue>[] replies, Func<RespValue, bool> isSuccess, Func<RespValue[], RespValue> combine, CommandStats commandStats)
    {
        var values = await Task.WhenAll(replies);
        var errors = values.Count(value => !isSuccess(value));
        commandStats.Record(errors == 0);
        return errors == 0 ? combine(values) : RespValue.Error(ProxyErrors.FinishedWithErrors(errors));
    }

    /// <summary>Routes by the key at <paramref name="keyIndex"/>, sends the command, and mirrors it when the primary had a host, as Envoy does.</summary>
    private UpstreamCall RouteAndSend(string command, byte[][] args, int keyIndex)
    {
        var match = config.Router.Match(args[keyIndex]);
        if (match is not { } route)
        {
            return new UpstreamCall(Task.FromResult(RespValue.ProxyError(ProxyErrors.NoUpstreamHost)), HostFound: false);
        }

        var forwarded = args;
        if (!ReferenceEquals(route.Key, args[keyIndex]))
        {
            forwarded = (byte[][])args.Clone();
            forwarded[keyIndex] = route.Key;
        }

        var call = pool.Send(route.Route.Cluster, route.Key, forwarded);
        if (call.HostFound)
        {
            foreach (var policy in route.Route.Mirrors)
            {
                if (policy.ShouldMirror(command))
                {
                    mirror.Send(policy, route.Key, forwarded);
                }
            }
        }

        return call;
    }

    private CommandResult InvalidRequest()
    {
        stats.InvalidRequests.Increment();
        return Local(RespValue.Error(ProxyErrors.InvalidRequest));
    }

    private RespValue CurrentTime()
    {
        var micros = (time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10;
        var seconds = micros / 1_000_000;
        return RespValue.Array([Ascii(seconds), Ascii(micros % 1_000_000)]);

        static RespValue Ascii(long number) =>
            RespValue.Bulk(Encoding.ASCII.GetBytes(number.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static CommandResult Local(RespValue value) => new(Task.FromResult(value));
}
