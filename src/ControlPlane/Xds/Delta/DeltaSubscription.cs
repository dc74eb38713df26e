using ControlPlane.Snapshots;
using Envoy.Service.Discovery.V3;

namespace ControlPlane.Xds.Delta;

/// <summary>
/// One delta stream's subscription to one type. Only the stream's own loop touches it, so it takes
/// no lock.
/// </summary>
/// <remarks>
/// Per-stream state, kept small for many thousands of streams: this object, a reference to the
/// <see cref="TypeSnapshot"/> the client is caught up with (shared by every stream at that
/// version), a wildcard flag, and a set of names only for explicit (non-wildcard) subscriptions.
/// The server does not copy a name-to-version map per stream. After each response it treats the
/// client as having the baseline's versions of the names it subscribes to, NACKed ones included,
/// so the baseline alone records what the client has. The request fields that need work (newly
/// subscribed names, the initial_resource_versions of a reconnect) stay in
/// <see cref="PendingWork"/> until the next response is built, and are dropped then.
/// </remarks>
internal sealed class DeltaSubscription
{
    public const string Wildcard = "*";

    private HashSet<string>? _names;
    private bool _wildcard;
    private bool _requested;
    private bool _awaitingReply;
    private PendingWork? _pending;

    // The snapshot the client has, restricted to what it subscribes to. It moves to the
    // current snapshot with every response, ACKed or not, so a NACKed version is not sent again
    // until the type changes.
    private TypeSnapshot? _baseline;

    public DeltaSubscription(string typeUrl)
    {
        TypeUrl = typeUrl;
    }

    public string TypeUrl { get; }

    /// <summary>The nonce of the last response sent for this type, or null before it.</summary>
    public string? Nonce { get; private set; }

    /// <summary>The system_version_info of the last response sent, or null before it.</summary>
    public string? VersionSent { get; private set; }

    /// <summary>The publish timestamp of the change the last response pushed, or 0 when it was sent for a request.</summary>
    public long PushedChangeTimestamp { get; private set; }

    /// <summary>True while the subscription covers every resource of the type.</summary>
    public bool IsWildcard => _wildcard;

    /// <summary>The explicitly subscribed names, not counting the wildcard.</summary>
    public int NameCount => _names?.Count ?? 0;

    /// <summary>
    /// Classifies a request by its response_nonce. The subscription changes of a request count
    /// whatever its nonce is: only the ACK or NACK of an older response is ignored.
    /// </summary>
    public ReplyKind TakeReply(DeltaDiscoveryRequest request, out bool stale)
    {
        stale = false;
        if (request.ResponseNonce.Length == 0)
        {
            return ReplyKind.None;
        }

        // TODO(xds): a delta client replies to every response, so a NACK of an older one is a real
        // rejection. Record it too instead of counting it as stale.
        if (request.ResponseNonce != Nonce || !_awaitingReply)
        {
            stale = request.ResponseNonce != Nonce;
            return ReplyKind.None;
        }

        _awaitingReply = false;
        return request.ErrorDetail is null ? ReplyKind.Ack : ReplyKind.Nack;
    }

    /// <summary>
    /// Applies resource_names_subscribe and resource_names_unsubscribe. The first request of the
    /// type with neither is a wildcard subscription (the legacy form of "*"), which only an
    /// unsubscribe of "*" ends. initial_resource_versions counts on the first request only.
    /// </summary>
    public void Update(DeltaDiscoveryRequest request, TypeSnapshot current)
    {
        // TODO(xds): resource_locators_subscribe/_unsubscribe (xdstp:// names) and aliases are ignored.
        var pending = _pending ??= new PendingWork();
        if (!_requested)
        {
            _requested = true;
            pending.Respond = true;
            pending.InitialVersions = request.InitialResourceVersions.Count > 0 ? new(request.InitialResourceVersions) : null;
            if (request.ResourceNamesSubscribe.Count == 0 && request.ResourceNamesUnsubscribe.Count == 0)
            {
                _wildcard = true;
                pending.AllOfWildcard = true;
            }
        }

        Subscribe(request.ResourceNamesSubscribe, pending, current);
        Unsubscribe(request.ResourceNamesUnsubscribe, pending);
    }

    private void Subscribe(IEnumerable<string> names, PendingWork pending, TypeSnapshot current)
    {
        foreach (var name in names)
        {
            pending.Respond = true;
            if (name == Wildcard)
            {
                // A client may subscribe to what it already has; the protocol still requires a resend.
                _wildcard = true;
                pending.AllOfWildcard = true;
                continue;
            }

            // Keep the snapshot's copy of the name, so that thousands of streams share one string.
            var shared = current.Resources.TryGetValue(name, out var resource) ? resource.Name : name;
            (_names ??= new HashSet<string>(StringComparer.Ordinal)).Add(shared);
            (pending.Names ??= new HashSet<string>(StringComparer.Ordinal)).Add(shared);
        }
    }

    private void Unsubscribe(IEnumerable<string> names, PendingWork pending)
    {
        foreach (var name in names)
        {
            if (name == Wildcard)
            {
                _wildcard = false;
                pending.AllOfWildcard = false;
                continue;
            }

            if (_names?.Remove(name) != true)
            {
                continue;
            }

            // With "*" also subscribed, the client cannot tell whether the wildcard still covers
            // the name, so the protocol requires either the resource or its removal.
            if (!_wildcard)
            {
                pending.Names?.Remove(name);
            }
            else
            {
                (pending.Names ??= new HashSet<string>(StringComparer.Ordinal)).Add(name);
            }
        }
    }

    /// <summary>
    /// Builds what <paramref name="current"/> requires: the changes since the baseline that the
    /// subscription covers, plus what the last requests asked for. Returns null when there is
    /// nothing to send and no request awaits a response. The caller sets the nonce, sends the
    /// response and then calls <see cref="RecordSent"/>.
    /// </summary>
    public DeltaDiscoveryResponse? BuildResponseIfNeeded(TypeSnapshot current)
    {
        var pending = _pending;
        if (pending is null && (_baseline is null || ReferenceEquals(_baseline, current)))
        {
            return null;
        }

        var builder = new DeltaResponseBuilder(TypeUrl, current, deduplicate: pending is not null);
        if (_baseline is not null && !ReferenceEquals(_baseline, current))
        {
            AddChanges(builder, _baseline, current);
        }

        var changed = builder.Count > 0;
        if (pending is not null)
        {
            AddRequested(builder, pending, current);
        }

        _pending = null;
        _baseline = current;
        if (builder.Count == 0 && pending?.Respond != true)
        {
            return null;
        }

        PushedChangeTimestamp = changed ? current.PublishedTimestamp : 0;
        return builder.Response;
    }

    public void RecordSent(DeltaDiscoveryResponse response)
    {
        Nonce = response.Nonce;
        VersionSent = response.SystemVersionInfo;
        _awaitingReply = true;
    }

    private void AddChanges(DeltaResponseBuilder builder, TypeSnapshot baseline, TypeSnapshot current)
    {
        if (!_wildcard && _names is not { Count: > 0 })
        {
            return;
        }

        var diff = TypeDiff.Between(baseline, current);
        if (_wildcard || _names!.Count >= diff.Changed.Count + diff.Removed.Count)
        {
            AddDiff(builder, diff);
        }
        else
        {
            // Fewer names than changes: look each name up instead of scanning the diff.
            AddChangedNames(builder, baseline, current);
        }
    }

    private void AddDiff(DeltaResponseBuilder builder, TypeDiff diff)
    {
        foreach (var resource in diff.Changed)
        {
            if (_wildcard || _names!.Contains(resource.Name))
            {
                builder.Add(resource);
            }
        }

        foreach (var name in diff.Removed)
        {
            if (_wildcard || _names!.Contains(name))
            {
                builder.Remove(name);
            }
        }
    }

    private void AddChangedNames(DeltaResponseBuilder builder, TypeSnapshot baseline, TypeSnapshot current)
    {
        foreach (var name in _names!)
        {
            var hadIt = baseline.Resources.TryGetValue(name, out var old);
            if (current.Resources.TryGetValue(name, out var now))
            {
                if (!hadIt || old!.Version != now.Version)
                {
                    builder.Add(now);
                }
            }
            else if (hadIt)
            {
                builder.Remove(name);
            }
        }
    }

    private void AddRequested(DeltaResponseBuilder builder, PendingWork pending, TypeSnapshot current)
    {
        var initial = pending.InitialVersions;
        if (pending.AllOfWildcard && _wildcard)
        {
            foreach (var resource in current.Resources.Values)
            {
                builder.AddUnlessClientHasIt(resource, initial);
            }

            // A reconnecting client lists what it has. Report those that no longer exist as removed.
            foreach (var name in initial?.Keys ?? Enumerable.Empty<string>())
            {
                if (!current.Resources.ContainsKey(name))
                {
                    builder.Remove(name);
                }
            }
        }

        foreach (var name in pending.Names ?? Enumerable.Empty<string>())
        {
            // A requested name that does not exist goes in removed_resources, so the client
            // learns so at once instead of waiting for its own timeout.
            if (current.Resources.TryGetValue(name, out var resource))
            {
                builder.AddUnlessClientHasIt(resource, initial);
            }
            else
            {
                builder.Remove(name);
            }
        }
    }

    /// <summary>Request fields that no response has covered yet. They are dropped when the next response is built.</summary>
    private sealed class PendingWork
    {
        /// <summary>True when a request needs a response even if the response carries nothing.</summary>
        public bool Respond { get; set; }

        /// <summary>True when every resource the wildcard covers must be sent.</summary>
        public bool AllOfWildcard { get; set; }

        /// <summary>Names to send, or to list as removed, whatever the client was sent before.</summary>
        public HashSet<string>? Names { get; set; }

        /// <summary>The initial_resource_versions of the first request: what a reconnecting client has.</summary>
        public Dictionary<string, string>? InitialVersions { get; set; }
    }
}
