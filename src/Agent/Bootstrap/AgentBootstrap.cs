using System.Net;
using Envoy.Config.Bootstrap.V3;
using Envoy.Config.Core.V3;

namespace Agent.Bootstrap;

/// <summary>The validated part of an Envoy v3 bootstrap that the agent serves.</summary>
internal sealed record AgentBootstrap(
    Node Node,
    IPEndPoint AdminAddress,
    string XdsClusterName,
    Uri XdsServerAddress,
    TimeSpan XdsConnectTimeout,
    Envoy.Config.Bootstrap.V3.Bootstrap Source);
