using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Validate;

namespace ControlPlane.Validation.Pgv;

/// <summary>
/// The protoc-gen-validate string rules. Lengths count Unicode code points, as PGV's <c>min_len</c>
/// and <c>max_len</c> do; <c>*_bytes</c> rules count UTF-8 bytes.
/// </summary>
internal static partial class PgvStringRules
{
    // Patterns are RE2 syntax; the ones Envoy's protos use are also valid .NET syntax.
    private static readonly ConcurrentDictionary<string, Regex?> Patterns = new(StringComparer.Ordinal);

    public static void Check(string value, StringRules rules, string path, List<FieldProblem> problems)
    {
        if (rules.IgnoreEmpty && value.Length == 0)
        {
            return;
        }

        CheckLengths(value, rules, path, problems);
        CheckContent(value, rules, path, problems);
        CheckWellKnown(value, rules, path, problems);
    }

    private static void CheckLengths(string value, StringRules rules, string path, List<FieldProblem> problems)
    {
        var characters = (ulong)value.EnumerateRunes().Count();
        var bytes = (ulong)Encoding.UTF8.GetByteCount(value);
        if (rules.HasLen && characters != rules.Len)
        {
            problems.Add(new(path, $"must be exactly {rules.Len} characters long"));
        }

        if (rules.HasMinLen && characters < rules.MinLen)
        {
            problems.Add(new(path, rules.MinLen == 1 ? "must not be empty" : $"must be at least {rules.MinLen} characters long"));
        }

        if (rules.HasMaxLen && characters > rules.MaxLen)
        {
            problems.Add(new(path, $"must be at most {rules.MaxLen} characters long"));
        }

        if (rules.HasLenBytes && bytes != rules.LenBytes)
        {
            problems.Add(new(path, $"must be exactly {rules.LenBytes} bytes long"));
        }

        if (rules.HasMinBytes && bytes < rules.MinBytes)
        {
            problems.Add(new(path, $"must be at least {rules.MinBytes} bytes long"));
        }

        if (rules.HasMaxBytes && bytes > rules.MaxBytes)
        {
            problems.Add(new(path, $"must be at most {rules.MaxBytes} bytes long"));
        }
    }

    private static void CheckContent(string value, StringRules rules, string path, List<FieldProblem> problems)
    {
        void Require(bool condition, string message)
        {
            if (!condition)
            {
                problems.Add(new(path, message));
            }
        }

        if (rules.HasConst) Require(value == rules.Const, $"must equal '{rules.Const}'");
        if (rules.HasPrefix) Require(value.StartsWith(rules.Prefix, StringComparison.Ordinal), $"must start with '{rules.Prefix}'");
        if (rules.HasSuffix) Require(value.EndsWith(rules.Suffix, StringComparison.Ordinal), $"must end with '{rules.Suffix}'");
        if (rules.HasContains) Require(value.Contains(rules.Contains, StringComparison.Ordinal), $"must contain '{rules.Contains}'");
        if (rules.HasNotContains) Require(!value.Contains(rules.NotContains, StringComparison.Ordinal), $"must not contain '{rules.NotContains}'");
        if (rules.In.Count > 0) Require(rules.In.Contains(value), $"must be one of [{string.Join(", ", rules.In)}]");
        if (rules.NotIn.Contains(value)) Require(false, $"must not be '{value}'");
        if (rules.HasPattern && Compile(rules.Pattern) is { } pattern)
        {
            Require(pattern.IsMatch(value), $"must match the pattern {rules.Pattern}");
        }
    }

    private static Regex? Compile(string pattern) => Patterns.GetOrAdd(pattern, static p =>
    {
        try
        {
            return new Regex(p, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        }
        catch (ArgumentException)
        {
            // TODO(validation): an RE2 pattern that .NET cannot compile is not checked.
            return null;
        }
    });

    private static void CheckWellKnown(string value, StringRules rules, string path, List<FieldProblem> problems)
    {
        var valid = rules.WellKnownCase switch
        {
            StringRules.WellKnownOneofCase.Ip => PgvScalarRules.IsIpAddress(value),
            StringRules.WellKnownOneofCase.Ipv4 => System.Net.IPAddress.TryParse(value, out var v4)
                && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork,
            StringRules.WellKnownOneofCase.Ipv6 => System.Net.IPAddress.TryParse(value, out var v6)
                && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6,
            StringRules.WellKnownOneofCase.Hostname => Uri.CheckHostName(value) == UriHostNameType.Dns,
            StringRules.WellKnownOneofCase.Address => Uri.CheckHostName(value) != UriHostNameType.Unknown,
            StringRules.WellKnownOneofCase.Uri => Uri.TryCreate(value, UriKind.Absolute, out _),
            StringRules.WellKnownOneofCase.UriRef => Uri.TryCreate(value, UriKind.RelativeOrAbsolute, out _),
            StringRules.WellKnownOneofCase.Uuid => Guid.TryParseExact(value, "D", out _),
            StringRules.WellKnownOneofCase.Email => value.Contains('@') && !value.StartsWith('@') && !value.EndsWith('@'),
            StringRules.WellKnownOneofCase.WellKnownRegex => MatchesKnownRegex(value, rules),
            _ => true,
        };

        if (!valid)
        {
            problems.Add(new(path, WellKnownMessage(rules)));
        }
    }

    private static bool MatchesKnownRegex(string value, StringRules rules)
    {
        // strict defaults to true. The non-strict form only forbids NUL, CR and LF, as PGV does.
        var strict = !rules.HasStrict || rules.Strict;
        return rules.WellKnownRegex switch
        {
            KnownRegex.HttpHeaderName when strict => HeaderName().IsMatch(value),
            KnownRegex.HttpHeaderValue when strict => HeaderValue().IsMatch(value),
            KnownRegex.HttpHeaderName or KnownRegex.HttpHeaderValue => LooseHeader().IsMatch(value),
            _ => true,
        };
    }

    private static string WellKnownMessage(StringRules rules) => rules.WellKnownCase switch
    {
        StringRules.WellKnownOneofCase.WellKnownRegex when rules.WellKnownRegex == KnownRegex.HttpHeaderName =>
            "must be a valid HTTP header name",
        StringRules.WellKnownOneofCase.WellKnownRegex => "must be a valid HTTP header value",
        StringRules.WellKnownOneofCase.Address => "must be a valid hostname or IP address",
        StringRules.WellKnownOneofCase.UriRef => "must be a valid URI reference",
        var kind => $"must be a valid {kind.ToString().ToLowerInvariant()}",
    };

    // RFC 7230 token characters, with the leading ':' of HTTP/2 pseudo-headers allowed.
    [GeneratedRegex(@"^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$")]
    private static partial Regex HeaderName();

    // Any character except control characters other than horizontal tab.
    [GeneratedRegex(@"^[^\u0000-\u0008\u000A-\u001F\u007F]*$")]
    private static partial Regex HeaderValue();

    [GeneratedRegex(@"^[^\u0000\u000A\u000D]*$")]
    private static partial Regex LooseHeader();
}
