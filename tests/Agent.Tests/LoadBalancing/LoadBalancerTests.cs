using System.Net;
using Agent.Clusters;
using Agent.LoadBalancing;
using Agent.Stats;

namespace Agent.Tests.LoadBalancing;

public sealed class LoadBalancerTests
{
    private static UpstreamHost Host(int port, int weight = 1) =>
        new(new IPEndPoint(IPAddress.Loopback, port), new ClusterStats(new StatsStore(), "lb")) { Weight = weight };

    [Fact]
    public void RoundRobin_EqualWeights_Alternates()
    {
        UpstreamHost[] hosts = [Host(1), Host(2)];
        var balancer = new RoundRobinLoadBalancer();

        var picks = Enumerable.Range(0, 6).Select(_ => balancer.Choose(hosts, null)!.IPAddress.Port).ToList();

        Assert.Equal([1, 2, 1, 2, 1, 2], picks);
    }

    [Fact]
    public void RoundRobin_WeightsThreeToOne_SplitsThreeToOne()
    {
        UpstreamHost[] hosts = [Host(1, weight: 3), Host(2, weight: 1)];
        var balancer = new RoundRobinLoadBalancer();

        var picks = Enumerable.Range(0, 40).Select(_ => balancer.Choose(hosts, null)!.IPAddress.Port).ToList();

        Assert.Equal(30, picks.Count(p => p == 1));
        Assert.Equal(10, picks.Count(p => p == 2));
    }

    [Fact]
    public void RingHash_SameKey_PicksSameHost()
    {
        UpstreamHost[] hosts = [Host(1), Host(2), Host(3)];
        var balancer = new RingHashLoadBalancer(1024, 8 * 1024 * 1024);

        var keys = Enumerable.Range(0, 50).Select(i => RingHashLoadBalancer.Hash($"key-{i}")).ToList();
        var first = keys.Select(k => balancer.Choose(hosts, k)!).ToList();
        var second = keys.Select(k => balancer.Choose(hosts, k)!).ToList();

        Assert.Equal(first, second);
        Assert.Equal(3, first.Distinct().Count());
    }

    [Fact]
    public void LeastRequest_OneHostBusy_PrefersIdleHost()
    {
        var busy = Host(1);
        var idle = Host(2);
        var requests = Enumerable.Range(0, 5).Select(_ => busy.BeginRequest()).ToList();
        var balancer = new LeastRequestLoadBalancer(choiceCount: 2);

        var picks = Enumerable.Range(0, 200).Select(_ => balancer.Choose([busy, idle], null)!).ToList();

        // Two random choices pick the busy host only when both land on it: about 1 in 4.
        Assert.True(picks.Count(h => h == idle) > picks.Count(h => h == busy));
        requests.ForEach(r => r.Dispose());
    }
}
