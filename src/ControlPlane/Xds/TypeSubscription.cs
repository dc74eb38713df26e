using ControlPlane.Snapshots;
using Envoy.Service.Discovery.V3;

namespace ControlPlane.Xds;

/// <summary>How a stream responds to a request that carries the nonce of its type's last response.</summary>
internal enum ReplyKind
{
    /// <summary>No response is waiting for a reply, so the request only updates the subscription.</summary>
    None,
    Ack,
    Nack,
}

/// <summary>
/// One stream's subscription to one type: the names it requested, what it was last sent and the
/// nonce of that response. Only the stream's own loop touches it, so it takes no lock.
/// </summary>
internal sealed class TypeSubscription
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private List<string>? _addedNames;
    private bool _firstRequestPending;
    private bool _awaitingReply;

    // The type snapshot that the last decision compared against. It stays on a rejected version
    // after a NACK, so that version is not sent again until the type changes.
    private TypeSnapshot? _baseline;

    public TypeSubscription(string typeUrl)
    {
        TypeUrl = typeUrl;
        IsNamed = TypeUrls.IsNamedSubscription(typeUrl);
    }

    public string TypeUrl { get; }

    /// <summary>True for EDS and RDS, whose requests name their resources; false for CDS and LDS (wildcard).</summary>
    public bool IsNamed { get; }

    public bool IsSubscribed { get; private set; }

    /// <summary>The nonce of the last response sent for this type on this stream, or null before it.</summary>
    public string? Nonce { get; private set; }

    /// <summary>The version of the last response sent, or null before it.</summary>
    public string? VersionSent { get; private set; }

    /// <summary>
    /// The publish timestamp of the change the last response pushed, or 0 when that response was
    /// sent for a request (a first request or newly requested names) and not for a change.
    /// </summary>
    public long PushedChangeTimestamp { get; private set; }

    /// <summary>
    /// True when the request acknowledges or rejects a response older than the last one sent for
    /// this type. The protocol ignores such requests, because the client also replies to the newer response.
    /// </summary>
    public bool IsStale(string responseNonce) => Nonce is not null && responseNonce != Nonce;

    /// <summary>Classifies the first request that carries the last nonce as the ACK or NACK of it.</summary>
    public ReplyKind TakeReply(DiscoveryRequest request)
    {
        if (!_awaitingReply || Nonce is null)
        {
            return ReplyKind.None;
        }

        _awaitingReply = false;
        return request.ErrorDetail is null ? ReplyKind.Ack : ReplyKind.Nack;
    }

    /// <summary>Replaces the requested names. Names for CDS and LDS are ignored: they always get the full set.</summary>
    public void UpdateNames(IReadOnlyCollection<string> names)
    {
        if (!IsSubscribed)
        {
            IsSubscribed = true;
            _firstRequestPending = true;
        }

        // TODO(xds): honour named CDS/LDS subscriptions and "*" on EDS/RDS, which Envoy's protocol allows.
        if (!IsNamed)
        {
            return;
        }

        foreach (var name in names)
        {
            if (!_names.Contains(name))
            {
                (_addedNames ??= []).Add(name);
            }
        }

        _names.Clear();
        _names.UnionWith(names);
    }

    /// <summary>
    /// Decides whether <paramref name="current"/> must be sent now: after the first request, when
    /// a newly requested name exists, or when a resource the stream watches differs from what it was
    /// last sent. Returns the response without a nonce: the caller sets one, sends it and then
    /// passes it to <see cref="RecordSent"/>.
    /// </summary>
    public DiscoveryResponse? BuildResponseIfNeeded(TypeSnapshot current)
    {
        if (!IsSubscribed)
        {
            return null;
        }

        var requested = TakeRequestedResponse(current);
        var changed = HasChanges(current);
        if (!requested && !changed)
        {
            return null;
        }

        var response = BuildResponse(current);
        if (IsNamed && response.Resources.Count == 0)
        {
            // None of the requested names exists: remember that this state was seen, so the
            // resources are pushed once they are created.
            _baseline = current;
            return null;
        }

        PushedChangeTimestamp = changed ? current.PublishedTimestamp : 0;
        return response;
    }

    public void RecordSent(DiscoveryResponse response, TypeSnapshot current)
    {
        _baseline = current;
        Nonce = response.Nonce;
        VersionSent = response.VersionInfo;
        _awaitingReply = true;
    }

    private bool TakeRequestedResponse(TypeSnapshot current)
    {
        var requested = _firstRequestPending;
        if (_addedNames is { } added)
        {
            requested |= added.Exists(current.Resources.ContainsKey);
            _addedNames = null;
        }

        _firstRequestPending = false;
        return requested;
    }

    private bool HasChanges(TypeSnapshot current)
    {
        if (_baseline is null)
        {
            return IsNamed && _names.Any(current.Resources.ContainsKey);
        }

        if (ReferenceEquals(_baseline, current))
        {
            return false;
        }

        return IsNamed ? _names.Any(name => !SameResource(_baseline, current, name)) : !_baseline.HasSameResources(current);
    }

    private static bool SameResource(TypeSnapshot before, TypeSnapshot after, string name)
    {
        var hadIt = before.Resources.TryGetValue(name, out var old);
        var hasIt = after.Resources.TryGetValue(name, out var now);
        return hadIt == hasIt && (!hasIt || old!.Version == now!.Version);
    }

    private DiscoveryResponse BuildResponse(TypeSnapshot current)
    {
        var response = new DiscoveryResponse { TypeUrl = TypeUrl, VersionInfo = current.Version };
        if (!IsNamed)
        {
            // The packed Any objects belong to the snapshot and are shared by every stream.
            response.Resources.AddRange(current.Resources.Values.Select(resource => resource.Packed));
            return response;
        }

        foreach (var name in _names)
        {
            if (current.Resources.TryGetValue(name, out var resource))
            {
                response.Resources.Add(resource.Packed);
            }
        }

        return response;
    }
}
