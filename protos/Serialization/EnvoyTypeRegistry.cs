using System.Reflection;
using Google.Protobuf.Reflection;

namespace Envoy.Api.Serialization;

/// <summary>
/// The registry of every message compiled into this assembly plus the protobuf well-known types,
/// so that the JSON parser and formatter can resolve any <c>@type</c> an Envoy resource names.
/// </summary>
public static class EnvoyTypeRegistry
{
    private static readonly Lazy<TypeRegistry> LazyRegistry = new(Build);

    public static TypeRegistry Instance => LazyRegistry.Value;

    /// <summary>Looks a message up by its full protobuf name, for example <c>envoy.config.cluster.v3.Cluster</c>.</summary>
    public static MessageDescriptor? Find(string fullName) => Instance.Find(fullName);

    private static TypeRegistry Build()
    {
        var files = new List<FileDescriptor>();
        foreach (var assembly in new[] { typeof(EnvoyTypeRegistry).Assembly, typeof(Google.Protobuf.WellKnownTypes.Any).Assembly })
        {
            files.AddRange(FileDescriptorsOf(assembly));
        }

        return TypeRegistry.FromFiles(files);
    }

    // Grpc.Tools generates one static "<File>Reflection" class a .proto file, holding its FileDescriptor.
    private static IEnumerable<FileDescriptor> FileDescriptorsOf(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes())
        {
            if (!type.IsClass || !type.IsAbstract || !type.IsSealed || !type.Name.EndsWith("Reflection", StringComparison.Ordinal))
            {
                continue;
            }

            var property = type.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static);
            if (property?.GetValue(null) is FileDescriptor file)
            {
                yield return file;
            }
        }
    }
}
