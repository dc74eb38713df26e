using System.Collections;
using Envoy.Api.Serialization;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Validate;

namespace ControlPlane.Validation.Pgv;

/// <summary>
/// Checks a message against the protoc-gen-validate rules compiled into its descriptors, the rules
/// Envoy checks before it accepts a resource. Walks every set field recursively, unpacks each
/// <see cref="Any"/> through <see cref="EnvoyTypeRegistry"/> and reports every violated rule with
/// its field path.
/// </summary>
internal static class PgvValidator
{
    public static List<FieldProblem> Validate(IMessage message)
    {
        var problems = new List<FieldProblem>();
        ValidateMessage(message, "", problems);
        return problems;
    }

    public static void ValidateMessage(IMessage message, string path, List<FieldProblem> problems)
    {
        var descriptor = message.Descriptor;
        if (descriptor.GetOptions()?.GetExtension(ValidateExtensions.Disabled) == true)
        {
            return;
        }

        CheckRequiredOneofs(message, path, problems);
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            var rules = field.GetOptions()?.GetExtension(ValidateExtensions.Rules);
            var fieldPath = FieldPaths.Join(path, field.Name);
            if (field.IsMap)
            {
                CheckMap(field, (IDictionary)field.Accessor.GetValue(message), rules, fieldPath, problems);
            }
            else if (field.IsRepeated)
            {
                CheckRepeated(field, (IList)field.Accessor.GetValue(message), rules, fieldPath, problems);
            }
            else
            {
                CheckSingular(field, message, rules, fieldPath, problems);
            }
        }
    }

    private static void CheckRequiredOneofs(IMessage message, string path, List<FieldProblem> problems)
    {
        foreach (var oneof in message.Descriptor.Oneofs)
        {
            if (oneof.IsSynthetic || oneof.GetOptions()?.GetExtension(ValidateExtensions.Required) != true)
            {
                continue;
            }

            if (oneof.Accessor.GetCaseFieldDescriptor(message) is null)
            {
                var choices = string.Join(", ", oneof.Fields.Select(f => f.Name));
                problems.Add(new(FieldPaths.Join(path, oneof.Name), $"is required: set one of {choices}"));
            }
        }
    }

    private static void CheckSingular(
        FieldDescriptor field, IMessage message, FieldRules? rules, string path, List<FieldProblem> problems)
    {
        // A oneof member or a proto3 optional scalar is checked only when set, as PGV does.
        var inOneof = field.RealContainingOneof is { } oneof && oneof.Accessor.GetCaseFieldDescriptor(message) != field;
        var hasPresence = field.HasPresence && field.FieldType != FieldType.Message;
        if (inOneof || (hasPresence && !field.Accessor.HasValue(message)))
        {
            return;
        }

        CheckValue(field, field.Accessor.GetValue(message), rules, path, problems);
    }

    /// <summary>Checks one value (a singular field, a repeated item, a map key or value).</summary>
    private static void CheckValue(
        FieldDescriptor field, object? value, FieldRules? rules, string path, List<FieldProblem> problems)
    {
        if (field.FieldType != FieldType.Message)
        {
            if (rules is not null)
            {
                PgvScalarRules.Check(field, value!, rules, path, problems);
            }

            return;
        }

        CheckMessageValue(field.MessageType, value as IMessage, value, rules, path, problems);
    }

    private static void CheckMessageValue(
        MessageDescriptor type, IMessage? message, object? raw, FieldRules? rules, string path,
        List<FieldProblem> problems)
    {
        if (PgvScalarRules.IsWrapper(type))
        {
            CheckWrapper(type, raw, rules, path, problems);
            return;
        }

        if (message is null)
        {
            if (rules?.Message?.Required == true || rules?.Duration?.Required == true
                || rules?.Any?.Required == true || rules?.Timestamp?.Required == true)
            {
                problems.Add(new(path, "is required"));
            }

            return;
        }

        switch (message)
        {
            case Duration duration:
                PgvTimeRules.CheckDuration(duration, rules?.Duration, path, problems);
                return;
            case Timestamp timestamp:
                PgvTimeRules.CheckTimestamp(timestamp, rules?.Timestamp, path, problems);
                return;
            case Any any:
                CheckAny(any, rules?.Any, path, problems);
                return;
        }

        if (rules?.Message?.Skip != true)
        {
            ValidateMessage(message, path, problems);
        }
    }

    private static void CheckWrapper(
        MessageDescriptor type, object? value, FieldRules? rules, string path, List<FieldProblem> problems)
    {
        if (value is null)
        {
            if (rules?.Message?.Required == true)
            {
                problems.Add(new(path, "is required"));
            }

            return;
        }

        if (rules is not null)
        {
            PgvScalarRules.Check(type.FindFieldByNumber(1), value, rules, path, problems);
        }
    }

    private static void CheckAny(Any any, AnyRules? rules, string path, List<FieldProblem> problems)
    {
        if (rules is not null && rules.In.Count > 0 && !rules.In.Contains(any.TypeUrl))
        {
            problems.Add(new(FieldPaths.Join(path, "@type"), $"must be one of {string.Join(", ", rules.In)}"));
        }

        if (rules is not null && rules.NotIn.Contains(any.TypeUrl))
        {
            problems.Add(new(FieldPaths.Join(path, "@type"), $"must not be {any.TypeUrl}"));
        }

        var inner = Unpack(any);
        if (inner is null)
        {
            problems.Add(new(FieldPaths.Join(path, "@type"), $"names the unknown type '{any.TypeUrl}'"));
            return;
        }

        ValidateMessage(inner, path, problems);
    }

    /// <summary>Unpacks an Any whose type is in the registry, or returns null for an unknown type.</summary>
    public static IMessage? Unpack(Any any)
    {
        var descriptor = EnvoyTypeRegistry.Find(Any.GetTypeName(any.TypeUrl));
        return descriptor?.Parser.ParseFrom(any.Value);
    }

    private static void CheckRepeated(
        FieldDescriptor field, IList items, FieldRules? rules, string path, List<FieldProblem> problems)
    {
        var repeated = rules?.Repeated;
        if (repeated is not null)
        {
            CheckCount(items.Count, repeated.HasMinItems ? repeated.MinItems : null,
                repeated.HasMaxItems ? repeated.MaxItems : null, "items", path, problems);
            if (repeated.Unique && items.Cast<object>().Distinct().Count() != items.Count)
            {
                problems.Add(new(path, "must contain unique items"));
            }
        }

        var itemRules = repeated?.Items;
        for (var i = 0; i < items.Count; i++)
        {
            CheckValue(field, items[i], itemRules, FieldPaths.Index(path, i), problems);
        }
    }

    private static void CheckMap(
        FieldDescriptor field, IDictionary map, FieldRules? rules, string path, List<FieldProblem> problems)
    {
        var mapRules = rules?.Map;
        if (mapRules is not null)
        {
            CheckCount(map.Count, mapRules.HasMinPairs ? mapRules.MinPairs : null,
                mapRules.HasMaxPairs ? mapRules.MaxPairs : null, "pairs", path, problems);
        }

        var keyField = field.MessageType.FindFieldByNumber(1);
        var valueField = field.MessageType.FindFieldByNumber(2);
        foreach (DictionaryEntry entry in map)
        {
            var entryPath = FieldPaths.Key(path, entry.Key);
            if (mapRules?.Keys is not null)
            {
                CheckValue(keyField, entry.Key, mapRules.Keys, entryPath, problems);
            }

            CheckValue(valueField, entry.Value, mapRules?.Values, entryPath, problems);
        }
    }

    private static void CheckCount(
        int count, ulong? min, ulong? max, string noun, string path, List<FieldProblem> problems)
    {
        if (min is { } minimum && (ulong)count < minimum)
        {
            problems.Add(new(path, $"must contain at least {minimum} {noun}"));
        }

        if (max is { } maximum && (ulong)count > maximum)
        {
            problems.Add(new(path, $"must contain at most {maximum} {noun}"));
        }
    }
}
