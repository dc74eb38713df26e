using System.Security.Cryptography;
using Google.Protobuf;
using Envoy.Service.Discovery.V3;
using Google.Protobuf.WellKnownTypes;

namespace ControlPlane.Snapshots;

/// <summary>
/// One resource as it goes on the wire: packed into an <see cref="Any"/> once, when the snapshot is
/// built, and shared by every stream that sends it.
/// </summary>
public sealed class XdsResource
{
    private XdsResource(string name, Any packed, string version)
    {
        Name = name;
        Packed = packed;
        Version = version;
        DeltaResource = new Resource { Name = name, Version = version, Resource_ = packed };
    }

    public string Name { get; }

    /// <summary>The packed resource. Callers must not modify it, because every stream shares it.</summary>
    public Any Packed { get; }

    /// <summary>A hash of the serialized bytes: equal versions mean equal resources.</summary>
    public string Version { get; }

    /// <summary>
    /// The resource as a delta xDS response carries it, with <see cref="Version"/> as its version.
    /// Shared by every delta stream like <see cref="Packed"/>, so callers must not modify it either.
    /// </summary>
    public Resource DeltaResource { get; }

    public static XdsResource Create(string name, IMessage message)
    {
        var packed = Any.Pack(message);
        var hash = SHA256.HashData(packed.Value.Span);
        return new XdsResource(name, packed, Convert.ToHexStringLower(hash.AsSpan(0, 16)));
    }
}
