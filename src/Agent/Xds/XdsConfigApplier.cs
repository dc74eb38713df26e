using Agent.Clusters;
using Agent.Listeners;
using Agent.Listeners.Http;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using Listener = Envoy.Config.Listener.V3.Listener;
using Envoy.Config.Route.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;

namespace Agent.Xds;

/// <summary>Hands each ADS response to the component that owns its type and returns whether it was applied.</summary>
internal sealed class XdsConfigApplier(ClusterManager clusters, ListenerManager listeners, RouteConfigStore routes)
{
    public IReadOnlySet<string> EdsNames => clusters.EdsResourceNames;

    public IReadOnlySet<string> RdsNames => routes.SubscribedNames;

    public async Task<ApplyResult> ApplyAsync(DiscoveryResponse response)
    {
        try
        {
            return response.TypeUrl switch
            {
                XdsTypes.Cluster => await clusters.ApplyClustersAsync(Unpack(response, Cluster.Parser), response.VersionInfo),
                XdsTypes.Endpoint => await clusters.ApplyEndpointsAsync(Unpack(response, ClusterLoadAssignment.Parser), response.VersionInfo),
                XdsTypes.Listener => await listeners.ApplyListenersAsync(Unpack(response, Listener.Parser), response.VersionInfo),
                XdsTypes.Route => routes.Apply(Unpack(response, RouteConfiguration.Parser), response.VersionInfo),
                _ => new ApplyResult([$"type '{response.TypeUrl}' is not supported"]),
            };
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidDataException)
        {
            return new ApplyResult([$"a {XdsTypes.ShortName(response.TypeUrl)} resource could not be decoded: {e.Message}"]);
        }
    }

    private static List<T> Unpack<T>(DiscoveryResponse response, MessageParser<T> parser) where T : IMessage<T>
    {
        var resources = new List<T>();
        foreach (var any in response.Resources)
        {
            if (any.TypeUrl != response.TypeUrl)
            {
                throw new InvalidDataException($"resource type '{any.TypeUrl}' differs from the response type '{response.TypeUrl}'");
            }

            resources.Add(parser.ParseFrom(any.Value));
        }

        return resources;
    }
}
