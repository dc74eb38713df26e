using System.Text.Json.Nodes;
using Agent.Clusters;
using Agent.Listeners;
using Agent.Listeners.Http;
using Agent.Xds;
using Envoy.Api.Serialization;
using Google.Protobuf;

namespace Agent.Admin;

/// <summary>Builds /config_dump in the shape of Envoy's: one entry per config type with its active resources and versions.</summary>
internal static class ConfigDump
{
    private const string AdminTypes = "type.googleapis.com/envoy.admin.v3.";

    public static JsonObject Build(ClusterManager clusters, ListenerManager listeners, RouteConfigStore routes, XdsStatus status)
    {
        var types = status.Types;
        string VersionOf(string typeUrl) => types.TryGetValue(typeUrl, out var s) ? s.Version : "";

        var clusterDump = new JsonObject
        {
            ["@type"] = AdminTypes + "ClustersConfigDump",
            ["version_info"] = VersionOf(XdsTypes.Cluster),
            ["dynamic_active_clusters"] = new JsonArray(clusters.Clusters.Select(c => (JsonNode)new JsonObject
            {
                ["version_info"] = c.Version,
                ["cluster"] = Packed(c.Settings.Source),
                ["warm"] = c.IsWarm,
            }).ToArray()),
        };
        var endpointDump = new JsonObject
        {
            ["@type"] = AdminTypes + "EndpointsConfigDump",
            ["dynamic_endpoint_configs"] = new JsonArray(clusters.Endpoints.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (JsonNode)new JsonObject
            {
                ["version_info"] = e.Value.Version,
                ["endpoint_config"] = Packed(e.Value.Assignment),
            }).ToArray()),
        };
        var listenerDump = new JsonObject
        {
            ["@type"] = AdminTypes + "ListenersConfigDump",
            ["version_info"] = VersionOf(XdsTypes.Listener),
            ["dynamic_listeners"] = new JsonArray(listeners.Listeners.OrderBy(l => l.Name, StringComparer.Ordinal).Select(ListenerEntry).ToArray()),
        };
        var routeDump = new JsonObject
        {
            ["@type"] = AdminTypes + "RoutesConfigDump",
            ["dynamic_route_configs"] = new JsonArray(routes.Received.OrderBy(r => r.Config.Name, StringComparer.Ordinal).Select(r => (JsonNode)new JsonObject
            {
                ["version_info"] = r.Version,
                ["route_config"] = Packed(r.Config),
            }).ToArray()),
        };
        return new JsonObject { ["configs"] = new JsonArray(clusterDump, endpointDump, listenerDump, routeDump) };
    }

    private static JsonNode ListenerEntry(ActiveListener listener)
    {
        var state = new JsonObject { ["version_info"] = listener.Version, ["listener"] = Packed(listener.Source) };
        var stateName = listener.State switch
        {
            ListenerState.Warming => "warming_state",
            ListenerState.Draining => "draining_state",
            _ => "active_state",
        };
        return new JsonObject { ["name"] = listener.Name, [stateName] = state };
    }

    private static JsonNode Packed(IMessage message)
    {
        var node = JsonNode.Parse(EnvoyJson.Format(message))!.AsObject();
        var result = new JsonObject { ["@type"] = "type.googleapis.com/" + message.Descriptor.FullName };
        foreach (var (key, value) in node.ToList())
        {
            node.Remove(key);
            result[key] = value;
        }

        return result;
    }
}
