using System.Globalization;
using System.Net;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Validate;

namespace ControlPlane.Validation.Pgv;

/// <summary>The protoc-gen-validate rules on scalar values: numbers, booleans, strings, bytes and enums.</summary>
internal static class PgvScalarRules
{
    public static bool IsWrapper(MessageDescriptor type) =>
        type.File.Name == "google/protobuf/wrappers.proto";

    public static void Check(FieldDescriptor field, object value, FieldRules rules, string path, List<FieldProblem> problems)
    {
        switch (rules.TypeCase)
        {
            case FieldRules.TypeOneofCase.String:
                PgvStringRules.Check((string)value, rules.String, path, problems);
                break;
            case FieldRules.TypeOneofCase.Bytes:
                CheckBytes((ByteString)value, rules.Bytes, path, problems);
                break;
            case FieldRules.TypeOneofCase.Enum:
                CheckEnum(field, Convert.ToInt32(value, CultureInfo.InvariantCulture), rules.Enum, path, problems);
                break;
            case FieldRules.TypeOneofCase.Bool:
                if (rules.Bool.HasConst && (bool)value != rules.Bool.Const)
                {
                    problems.Add(new(path, $"must be {(rules.Bool.Const ? "true" : "false")}"));
                }

                break;
            case FieldRules.TypeOneofCase.None:
            case FieldRules.TypeOneofCase.Repeated:
            case FieldRules.TypeOneofCase.Map:
            case FieldRules.TypeOneofCase.Any:
            case FieldRules.TypeOneofCase.Duration:
            case FieldRules.TypeOneofCase.Timestamp:
                break;
            default:
                CheckNumber(value, NumberRulesOf(rules), path, problems);
                break;
        }
    }

    // Every numeric rules message (Int32Rules, UInt64Rules, DoubleRules, ...) has the fields const,
    // lt, lte, gt, gte, in and not_in, typed like the value they constrain, so one reader serves all.
    private static IMessage NumberRulesOf(FieldRules rules)
    {
        var caseField = FieldRules.Descriptor.FindFieldByNumber((int)rules.TypeCase);
        return (IMessage)caseField.Accessor.GetValue(rules);
    }

    private static void CheckNumber(object value, IMessage rules, string path, List<FieldProblem> problems)
    {
        var number = (IComparable)value;
        var fields = rules.Descriptor;
        string Text(object bound) => Convert.ToString(bound, CultureInfo.InvariantCulture)!;
        bool TryBound(string name, out object bound)
        {
            var field = fields.FindFieldByName(name);
            bound = field.Accessor.GetValue(rules);

            // PGV pairs each rule type with its field type, so this conversion is a no-op unless a
            // proto pairs them loosely. It keeps CompareTo from throwing in that case.
            if (bound.GetType() != value.GetType())
            {
                bound = Convert.ChangeType(bound, value.GetType(), CultureInfo.InvariantCulture);
            }

            return field.Accessor.HasValue(rules);
        }

        if (TryBound("const", out var exact) && number.CompareTo(exact) != 0)
        {
            problems.Add(new(path, $"must equal {Text(exact)}"));
        }

        if (TryBound("gt", out var gt) && number.CompareTo(gt) <= 0)
        {
            problems.Add(new(path, $"must be greater than {Text(gt)}"));
        }

        if (TryBound("gte", out var gte) && number.CompareTo(gte) < 0)
        {
            problems.Add(new(path, $"must be greater than or equal to {Text(gte)}"));
        }

        if (TryBound("lt", out var lt) && number.CompareTo(lt) >= 0)
        {
            problems.Add(new(path, $"must be less than {Text(lt)}"));
        }

        if (TryBound("lte", out var lte) && number.CompareTo(lte) > 0)
        {
            problems.Add(new(path, $"must be less than or equal to {Text(lte)}"));
        }

        CheckMembership(value, (System.Collections.IList)fields.FindFieldByName("in").Accessor.GetValue(rules),
            (System.Collections.IList)fields.FindFieldByName("not_in").Accessor.GetValue(rules), path, problems);
    }

    private static void CheckMembership(
        object value, System.Collections.IList allowed, System.Collections.IList forbidden, string path,
        List<FieldProblem> problems)
    {
        var items = allowed.Cast<object>().ToList();
        if (items.Count > 0 && !items.Contains(value))
        {
            var list = string.Join(", ", items.Select(i => Convert.ToString(i, CultureInfo.InvariantCulture)));
            problems.Add(new(path, $"must be one of [{list}]"));
        }

        if (forbidden.Cast<object>().Contains(value))
        {
            problems.Add(new(path, $"must not be {Convert.ToString(value, CultureInfo.InvariantCulture)}"));
        }
    }

    private static void CheckEnum(FieldDescriptor field, int number, EnumRules rules, string path, List<FieldProblem> problems)
    {
        if (rules.DefinedOnly && field.EnumType.FindValueByNumber(number) is null)
        {
            problems.Add(new(path, $"must be a defined {field.EnumType.Name} value, not {number}"));
        }

        if (rules.HasConst && number != rules.Const)
        {
            problems.Add(new(path, $"must equal {rules.Const}"));
        }

        CheckMembership(number, rules.In, rules.NotIn, path, problems);
    }

    private static void CheckBytes(ByteString value, BytesRules rules, string path, List<FieldProblem> problems)
    {
        if (rules.HasLen && (ulong)value.Length != rules.Len)
        {
            problems.Add(new(path, $"must be exactly {rules.Len} bytes long"));
        }

        if (rules.HasMinLen && (ulong)value.Length < rules.MinLen)
        {
            problems.Add(new(path, $"must be at least {rules.MinLen} bytes long"));
        }

        if (rules.HasMaxLen && (ulong)value.Length > rules.MaxLen)
        {
            problems.Add(new(path, $"must be at most {rules.MaxLen} bytes long"));
        }

        var isAddress = rules.WellKnownCase is BytesRules.WellKnownOneofCase.Ip
            or BytesRules.WellKnownOneofCase.Ipv4 or BytesRules.WellKnownOneofCase.Ipv6;
        if (isAddress && value.Length is not (4 or 16))
        {
            problems.Add(new(path, "must be a 4- or 16-byte IP address"));
        }
    }

    public static bool IsIpAddress(string text) => IPAddress.TryParse(text, out _);
}
