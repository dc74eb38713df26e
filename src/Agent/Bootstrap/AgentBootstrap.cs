using System.Net;
using Envoy.Config.Bootstrap.V3;
using Envoy.Config.Core.V3;

namespace Agent.Bootstrap;

/// <summary>The validated part of an Envoy v3 bootstrap that the agent serves.</summary>
/// <param name="AdsApiType">
/// dynamic_resources.ads_config.api_type: GRPC for state-of-the-world ADS, DELTA_GRPC for incremental ADS.
/// </param>
internal sealed record AgentBootstrap(
    Node Node,
    IPEndPoint AdminAddress,
    string XdsClusterName,
    Uri XdsServerAddress,
    TimeSpan XdsConnectTimeout,
    ApiConfigSource.Types.ApiType AdsApiType,
    Envoy.Config.Bootstrap.V3.Bootstrap Source);
