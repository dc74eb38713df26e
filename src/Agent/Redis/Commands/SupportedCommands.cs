using System.Collections.Frozen;

namespace Agent.Redis.Commands;

internal enum CommandKind
{
    /// <summary>Hashes on the first argument and goes to one server.</summary>
    Simple,

    /// <summary>EVAL-like: hashes on the first key, the fourth element of the request.</summary>
    Eval,

    /// <summary>MGET: one GET per key, replies reassembled into one array.</summary>
    MultiGet,

    /// <summary>MSET: one SET per key and value pair, +OK when all succeed.</summary>
    MultiSet,

    /// <summary>DEL, EXISTS, TOUCH, UNLINK: one command per key, the integer replies summed.</summary>
    SumIntegers,
}

/// <summary>The commands Envoy's redis_proxy forwards, grouped by how it splits them, and Envoy's list of write commands.</summary>
internal static class SupportedCommands
{
    public static readonly FrozenDictionary<string, CommandKind> Kinds = BuildKinds();

    /// <summary>Commands that change data; every other command counts as a read for exclude_read_commands.</summary>
    public static readonly FrozenSet<string> Writes = new[]
    {
        "append", "bitfield", "decr", "decrby", "del", "discard", "exec", "expire", "expireat", "eval",
        "evalsha", "geoadd", "getdel", "hdel", "hincrby", "hincrbyfloat", "hmset", "hset", "hsetnx", "incr",
        "incrby", "incrbyfloat", "linsert", "lmove", "lpop", "lpush", "lpushx", "lrem", "lset", "ltrim",
        "mset", "multi", "persist", "pexpire", "pexpireat", "pfadd", "psetex", "restore", "rpop", "rpush",
        "rpushx", "sadd", "set", "setbit", "setex", "setnx", "setrange", "spop", "srem", "zadd", "zincrby",
        "touch", "zpopmin", "zpopmax", "zrem", "zremrangebylex", "zremrangebyrank", "zremrangebyscore", "unlink",
    }.ToFrozenSet(StringComparer.Ordinal);

    // The value repeats the key, because the span lookup cannot return the key it matched.
    private static readonly FrozenDictionary<string, (string Name, CommandKind Kind)>.AlternateLookup<ReadOnlySpan<char>> KindsByName =
        Kinds.ToFrozenDictionary(pair => pair.Key, pair => (pair.Key, pair.Value), StringComparer.Ordinal)
            .GetAlternateLookup<ReadOnlySpan<char>>();

    public static bool IsWrite(string lowerCaseCommand) => Writes.Contains(lowerCaseCommand);

    /// <summary>Finds a lower-case command name without allocating. <paramref name="command"/> is the shared string of the supported name.</summary>
    public static bool TryGetKind(ReadOnlySpan<char> lowerCaseName, out string command, out CommandKind kind)
    {
        var found = KindsByName.TryGetValue(lowerCaseName, out var entry);
        (command, kind) = entry;
        return found;
    }

    private static FrozenDictionary<string, CommandKind> BuildKinds()
    {
        string[] simple =
        [
            "append", "bf.add", "bf.card", "bf.exists", "bf.info", "bf.insert", "bf.loadchunk", "bf.madd",
            "bf.mexists", "bf.reserve", "bf.scandump", "bitcount", "bitfield", "bitpos", "decr", "decrby", "dump",
            "expire", "expireat", "geoadd", "geodist", "geohash", "geopos", "georadius_ro", "georadiusbymember_ro",
            "get", "getbit", "getdel", "getrange", "getset", "hdel", "hexists", "hget", "hgetall", "hincrby",
            "hincrbyfloat", "hkeys", "hlen", "hmget", "hmset", "hscan", "hset", "hsetnx", "hstrlen", "hvals",
            "incr", "incrby", "incrbyfloat", "lindex", "linsert", "llen", "lmove", "lpop", "lpush", "lpushx",
            "lrange", "lrem", "lset", "ltrim", "persist", "pexpire", "pexpireat", "pfadd", "pfcount", "psetex",
            "pttl", "publish", "restore", "rpop", "rpush", "rpushx", "sadd", "scard", "set", "setbit", "setex",
            "setnx", "setrange", "sismember", "smembers", "spop", "srandmember", "srem", "sscan", "strlen", "ttl",
            "type", "xack", "xadd", "xautoclaim", "xclaim", "xdel", "xlen", "xpending", "xrange", "xrevrange",
            "xtrim", "zadd", "zcard", "zcount", "zincrby", "zlexcount", "zpopmin", "zpopmax", "zrange",
            "zrangebylex", "zrangebyscore", "zrank", "zrem", "zremrangebylex", "zremrangebyrank",
            "zremrangebyscore", "zrevrange", "zrevrangebylex", "zrevrangebyscore", "zrevrank", "zscan", "zscore",
        ];
        var kinds = simple.ToDictionary(name => name, _ => CommandKind.Simple, StringComparer.Ordinal);
        foreach (var name in new[] { "eval", "evalsha", "eval_ro", "evalsha_ro" })
        {
            kinds[name] = CommandKind.Eval;
        }

        foreach (var name in new[] { "del", "exists", "touch", "unlink" })
        {
            kinds[name] = CommandKind.SumIntegers;
        }

        kinds["mget"] = CommandKind.MultiGet;
        kinds["mset"] = CommandKind.MultiSet;
        return kinds.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
