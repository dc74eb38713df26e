using ControlPlane.Snapshots;
using ControlPlane.Xds;
using Envoy.Service.Discovery.V3;
using static ControlPlane.Tests.Xds.XdsTestSnapshots;

namespace ControlPlane.Tests.Xds;

/// <summary>The per-type decisions of a stream, without a server: what to send for which snapshot.</summary>
public sealed class TypeSubscriptionTests
{
    [Fact]
    public void BuildResponseIfNeeded_WildcardSentUnchanged_ReturnsNull()
    {
        var snapshot = ResourceSnapshot.Create(1, [EdsCluster("web")], [], [], [], null);
        var subscription = new TypeSubscription(TypeUrls.Cluster);
        subscription.UpdateNames([]);
        Send(subscription, snapshot[TypeUrls.Cluster], "1");

        Assert.Null(subscription.BuildResponseIfNeeded(snapshot[TypeUrls.Cluster]));
    }

    [Fact]
    public void BuildResponseIfNeeded_AfterNack_WaitsForNextChange()
    {
        var first = ResourceSnapshot.Create(1, [EdsCluster("web")], [], [], [], null);
        var subscription = new TypeSubscription(TypeUrls.Cluster);
        subscription.UpdateNames([]);
        Send(subscription, first[TypeUrls.Cluster], "1");
        var nack = new DiscoveryRequest { ResponseNonce = "1", ErrorDetail = new Google.Rpc.Status { Message = "bad" } };

        var reply = subscription.TakeReply(nack);
        subscription.UpdateNames([]);
        var resend = subscription.BuildResponseIfNeeded(first[TypeUrls.Cluster]);
        var second = ResourceSnapshot.Create(2, [EdsCluster("web", connectTimeoutSeconds: 2)], [], [], [], first);

        Assert.Equal(ReplyKind.Nack, reply);
        Assert.Null(resend);
        Assert.Equal("2", subscription.BuildResponseIfNeeded(second[TypeUrls.Cluster])?.VersionInfo);
    }

    [Fact]
    public void TakeReply_SameNonceTwice_OneAck()
    {
        var snapshot = ResourceSnapshot.Create(1, [EdsCluster("web")], [], [], [], null);
        var subscription = new TypeSubscription(TypeUrls.Cluster);
        subscription.UpdateNames([]);
        Send(subscription, snapshot[TypeUrls.Cluster], "1");
        var ack = new DiscoveryRequest { ResponseNonce = "1" };

        Assert.Equal(ReplyKind.Ack, subscription.TakeReply(ack));
        Assert.Equal(ReplyKind.None, subscription.TakeReply(ack));
    }

    [Fact]
    public void IsStale_NonceOfOlderResponse_True()
    {
        var snapshot = ResourceSnapshot.Create(1, [EdsCluster("web")], [], [], [], null);
        var subscription = new TypeSubscription(TypeUrls.Cluster);
        Assert.False(subscription.IsStale("anything before the first response"));
        subscription.UpdateNames([]);
        Send(subscription, snapshot[TypeUrls.Cluster], "1");
        Send(subscription, snapshot[TypeUrls.Cluster], "2");

        Assert.True(subscription.IsStale("1"));
        Assert.True(subscription.IsStale(""));
        Assert.False(subscription.IsStale("2"));
    }

    [Fact]
    public void BuildResponseIfNeeded_EndpointsDeletedThenRestored_SentOnRestore()
    {
        var first = ResourceSnapshot.Create(1, [], [Endpoints("a", 8081)], [], [], null);
        var subscription = new TypeSubscription(TypeUrls.Endpoint);
        subscription.UpdateNames(["a"]);
        Send(subscription, first[TypeUrls.Endpoint], "1");
        var deleted = ResourceSnapshot.Create(2, [], [], [], [], first);
        var restored = ResourceSnapshot.Create(3, [], [Endpoints("a", 8081)], [], [], deleted);

        Assert.Null(subscription.BuildResponseIfNeeded(deleted[TypeUrls.Endpoint]));
        Assert.Equal("3", subscription.BuildResponseIfNeeded(restored[TypeUrls.Endpoint])?.VersionInfo);
    }

    [Fact]
    public void BuildResponseIfNeeded_NameRemoved_SendsNothing()
    {
        var snapshot = ResourceSnapshot.Create(1, [], [Endpoints("a", 8081), Endpoints("b", 8082)], [], [], null);
        var subscription = new TypeSubscription(TypeUrls.Endpoint);
        subscription.UpdateNames(["a", "b"]);
        Send(subscription, snapshot[TypeUrls.Endpoint], "1");

        subscription.UpdateNames(["a"]);

        Assert.Null(subscription.BuildResponseIfNeeded(snapshot[TypeUrls.Endpoint]));
    }

    private static void Send(TypeSubscription subscription, TypeSnapshot current, string nonce)
    {
        var response = subscription.BuildResponseIfNeeded(current) ?? new DiscoveryResponse { VersionInfo = current.Version };
        response.Nonce = nonce;
        subscription.RecordSent(response, current);
    }
}
