using ControlPlane.Snapshots;
using Envoy.Config.Cluster.V3;
using Google.Protobuf.WellKnownTypes;

namespace ControlPlane.Tests.Snapshots;

public sealed class TypeDiffTests
{
    [Fact]
    public void Between_AddedChangedRemovedAndSame_ListsOnlyDifferences()
    {
        var first = Clusters(1, null, ("same", 1), ("changed", 1), ("removed", 1));
        var second = Clusters(2, first, ("same", 1), ("changed", 2), ("added", 1));

        var diff = TypeDiff.Between(first[TypeUrls.Cluster], second[TypeUrls.Cluster]);

        Assert.Equal(["added", "changed"], diff.Changed.Select(r => r.Name));
        Assert.Equal(["removed"], diff.Removed);
        Assert.Same(second[TypeUrls.Cluster].Resources["changed"], diff.Changed[1]);
    }

    [Fact]
    public void Between_SamePairTwice_ReturnsCachedDiff()
    {
        var first = Clusters(1, null, ("web", 1));
        var second = Clusters(2, first, ("web", 2));

        var once = TypeDiff.Between(first[TypeUrls.Cluster], second[TypeUrls.Cluster]);
        var twice = TypeDiff.Between(first[TypeUrls.Cluster], second[TypeUrls.Cluster]);

        Assert.Same(once, twice);
    }

    [Fact]
    public void Between_SameSnapshot_IsEmpty()
    {
        var first = Clusters(1, null, ("web", 1));

        var diff = TypeDiff.Between(first[TypeUrls.Cluster], first[TypeUrls.Cluster]);

        Assert.Empty(diff.Changed);
        Assert.Empty(diff.Removed);
    }

    private static ResourceSnapshot Clusters(long version, ResourceSnapshot? previous, params (string Name, int TimeoutSeconds)[] clusters) =>
        ResourceSnapshot.Create(
            version,
            clusters.Select(c => new Cluster { Name = c.Name, ConnectTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(c.TimeoutSeconds)) }),
            [],
            [],
            [],
            previous);
}
