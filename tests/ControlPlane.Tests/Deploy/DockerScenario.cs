using Envoy.Api.Serialization;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace ControlPlane.Tests.Deploy;

/// <summary>deploy/docker/scenario.yaml parsed as /api/v1/apply reads it: one resource a document, typed by "@type".</summary>
internal sealed class DockerScenario
{
    public const string RelativePath = "deploy/docker/scenario.yaml";

    private DockerScenario(IReadOnlyList<IMessage> resources) => Resources = resources;

    public IReadOnlyList<IMessage> Resources { get; }

    public IEnumerable<Cluster> Clusters => Resources.OfType<Cluster>();

    public IEnumerable<Listener> Listeners => Resources.OfType<Listener>();

    public IEnumerable<RouteConfiguration> Routes => Resources.OfType<RouteConfiguration>();

    /// <summary>The local run's scenario, which the Docker scenario mirrors with container addresses.</summary>
    public const string LocalRelativePath = "deploy/examples/scenario.yaml";

    /// <exception cref="InvalidProtocolBufferException">A document does not fit the type it names.</exception>
    public static DockerScenario Load(string relativePath = RelativePath)
    {
        var documents = YamlToJson.ConvertDocuments(RepositoryFiles.ReadText(relativePath));
        var resources = documents
            .Select(json => EnvoyJson.Parser.Parse<Any>(json).Unpack(EnvoyTypeRegistry.Instance))
            .ToList();
        return new DockerScenario(resources);
    }

    /// <summary>Every endpoint address of every cluster's inline load assignment, with its cluster name.</summary>
    public IEnumerable<(string Cluster, SocketAddress Address)> EndpointAddresses() =>
        from cluster in Clusters
        from locality in cluster.LoadAssignment?.Endpoints ?? []
        from endpoint in locality.LbEndpoints
        select (cluster.Name, endpoint.Endpoint.Address.SocketAddress);
}
