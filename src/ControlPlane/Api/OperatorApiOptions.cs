namespace ControlPlane.Api;

/// <summary>Operator API settings, read from the section <c>ControlPlane</c> like <see cref="ControlPlaneOptions"/>.</summary>
public sealed class OperatorApiOptions
{
    /// <summary>The largest request body the API reads, in bytes; a larger one gets 413. Default 4 MiB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;
}
