using ControlPlane.Snapshots;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Listener.V3;
using Microsoft.Extensions.Time.Testing;

namespace ControlPlane.Tests.Snapshots;

public sealed class SnapshotCacheTests
{
    [Fact]
    public void Publish_Watchers_EachReceiveSnapshot()
    {
        var cache = new SnapshotCache();
        var received = new List<ResourceSnapshot>();
        using var first = cache.Watch(received.Add);
        using var second = cache.Watch(received.Add);
        var snapshot = ResourceSnapshot.Create(1, [new Cluster { Name = "web" }], [], [], [], cache.Current);

        cache.Publish(snapshot);

        Assert.Same(snapshot, cache.Current);
        Assert.Equal([snapshot, snapshot], received);
    }

    [Fact]
    public void Watch_Disposed_StopsNotifyingAndCount()
    {
        var cache = new SnapshotCache();
        var calls = 0;
        var watch = cache.Watch(_ => calls++);
        Assert.Equal(1, cache.WatcherCount);

        watch.Dispose();
        watch.Dispose();
        cache.Publish(ResourceSnapshot.Create(1, [], [], [], [], cache.Current));

        Assert.Equal(0, cache.WatcherCount);
        Assert.Equal(0, calls);
    }

    [Fact]
    public void Publish_UnchangedType_KeepsFirstPublishTime()
    {
        var time = new FakeTimeProvider();
        var cache = new SnapshotCache(time);
        var first = ResourceSnapshot.Create(1, [new Cluster { Name = "web" }], [], [], [], cache.Current);
        cache.Publish(first);
        var clustersPublishedAt = first[TypeUrls.Cluster].PublishedTimestamp;

        time.Advance(TimeSpan.FromSeconds(5));
        var second = ResourceSnapshot.Create(2, [new Cluster { Name = "web" }], [], [new Listener { Name = "http" }], [], first);
        cache.Publish(second);

        Assert.Same(first[TypeUrls.Cluster], second[TypeUrls.Cluster]);
        Assert.Equal(clustersPublishedAt, second[TypeUrls.Cluster].PublishedTimestamp);
        Assert.Equal(TimeSpan.FromSeconds(5), time.GetElapsedTime(clustersPublishedAt, second[TypeUrls.Listener].PublishedTimestamp));
    }
}
