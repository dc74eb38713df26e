namespace ControlPlane;

/// <summary>Settings of the section <c>ControlPlane</c> (environment: <c>ControlPlane__XdsPort</c>, ...).</summary>
public sealed class ControlPlaneOptions
{
    public const string SectionName = "ControlPlane";

    /// <summary>The address both ports listen on. Use 0.0.0.0 in a container.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>The xDS port: gRPC over HTTP/2 without TLS (h2c), as Envoy's ADS cluster dials it.</summary>
    public int XdsPort { get; set; } = 18000;

    /// <summary>The operator REST API and <c>/metrics</c> port (HTTP/1.1).</summary>
    public int ApiPort { get; set; } = 18080;

    /// <summary>The SQLite file that holds the accepted configuration.</summary>
    public string StorePath { get; set; } = "controlplane.db";
}
