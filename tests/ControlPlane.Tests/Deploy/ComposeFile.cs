using YamlDotNet.RepresentationModel;

namespace ControlPlane.Tests.Deploy;

/// <summary>A port mapping of a compose service: <c>host_ip:host_port:container_port</c>.</summary>
internal sealed record PublishedPort(string HostIp, int HostPort, int ContainerPort);

/// <summary>The parts of a compose service that the deploy tests compare with other files.</summary>
internal sealed record ComposeService(
    string Name,
    string? Image,
    string? BuildContext,
    string? Dockerfile,
    IReadOnlyList<string> Command,
    IReadOnlyList<string> DependsOn,
    IReadOnlyList<string> Volumes,
    IReadOnlyList<PublishedPort> Ports,
    IReadOnlyDictionary<string, string> Ipv4Addresses)
{
    /// <summary>The value that follows <paramref name="flag"/> in the command, or null.</summary>
    public string? CommandValue(string flag)
    {
        var index = Command.ToList().IndexOf(flag);
        return index >= 0 && index + 1 < Command.Count ? Command[index + 1] : null;
    }
}

/// <summary>deploy/docker-compose.yaml, read with YamlDotNet's representation model.</summary>
internal sealed class ComposeFile
{
    public const string RelativePath = "deploy/docker-compose.yaml";

    private ComposeFile(IReadOnlyDictionary<string, ComposeService> services, IReadOnlyDictionary<string, string> subnets)
    {
        Services = services;
        Subnets = subnets;
    }

    public IReadOnlyDictionary<string, ComposeService> Services { get; }

    /// <summary>The subnet of each network that sets one, by network name.</summary>
    public IReadOnlyDictionary<string, string> Subnets { get; }

    /// <summary>The folder relative paths in the compose file start from.</summary>
    public static string Folder => Path.GetDirectoryName(RepositoryFiles.PathOf(RelativePath))!;

    public static ComposeFile Load()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(RepositoryFiles.ReadText(RelativePath)));
        var root = (YamlMappingNode)stream.Documents.Single().RootNode;

        var services = Mapping(root, "services")!.Children
            .Select(pair => ReadService(Scalar(pair.Key), (YamlMappingNode)pair.Value))
            .ToDictionary(service => service.Name, StringComparer.Ordinal);
        var subnets = new Dictionary<string, string>(StringComparer.Ordinal);
        var networks = Mapping(root, "networks")?.Children ?? Enumerable.Empty<KeyValuePair<YamlNode, YamlNode>>();
        foreach (var (name, network) in networks)
        {
            var config = (Mapping((YamlMappingNode)network, "ipam")?["config"] as YamlSequenceNode)?.Children;
            var subnet = config?.OfType<YamlMappingNode>().Select(c => Optional(c, "subnet")).FirstOrDefault(s => s is not null);
            if (subnet is not null)
            {
                subnets[Scalar(name)] = subnet;
            }
        }

        return new ComposeFile(services, subnets);
    }

    /// <summary>The service that has <paramref name="ipv4Address"/> on some network, or null.</summary>
    public ComposeService? ServiceAt(string ipv4Address) =>
        Services.Values.SingleOrDefault(s => s.Ipv4Addresses.Values.Contains(ipv4Address));

    private static ComposeService ReadService(string name, YamlMappingNode node)
    {
        var build = Mapping(node, "build");
        var networks = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Mapping(node, "networks") is { } networkMap)
        {
            foreach (var (network, settings) in networkMap.Children)
            {
                if (settings is YamlMappingNode map && Optional(map, "ipv4_address") is { } address)
                {
                    networks[Scalar(network)] = address;
                }
            }
        }

        return new ComposeService(
            name,
            Optional(node, "image"),
            build is null ? null : Optional(build, "context"),
            build is null ? null : Optional(build, "dockerfile") ?? "Dockerfile",
            Strings(node, "command"),
            DependsOn(node),
            Strings(node, "volumes"),
            Strings(node, "ports").Select(ParsePort).ToList(),
            networks);
    }

    // depends_on is either a list of names or a mapping from name to conditions.
    private static IReadOnlyList<string> DependsOn(YamlMappingNode node) =>
        node.Children.TryGetValue(new YamlScalarNode("depends_on"), out var value) && value is YamlMappingNode map
            ? map.Children.Keys.Select(Scalar).ToList()
            : Strings(node, "depends_on");

    private static PublishedPort ParsePort(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 3)
        {
            throw new FormatException($"port mapping '{text}' is not host_ip:host_port:container_port");
        }

        return new PublishedPort(parts[0], int.Parse(parts[1]), int.Parse(parts[2]));
    }

    private static YamlMappingNode? Mapping(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value as YamlMappingNode : null;

    private static string? Optional(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? Scalar(value) : null;

    private static IReadOnlyList<string> Strings(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode sequence
            ? sequence.Children.Select(Scalar).ToList()
            : [];

    private static string Scalar(YamlNode node) => ((YamlScalarNode)node).Value ?? "";
}
