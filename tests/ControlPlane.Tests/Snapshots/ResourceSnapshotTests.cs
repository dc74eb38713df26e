using ControlPlane.Snapshots;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;

namespace ControlPlane.Tests.Snapshots;

public sealed class ResourceSnapshotTests
{
    [Fact]
    public void Create_UnchangedType_KeepsPreviousVersion()
    {
        var cluster = new Cluster { Name = "primary" };
        var first = ResourceSnapshot.Create(1, [cluster], [], [], [], previous: null);

        var endpoints = new ClusterLoadAssignment { ClusterName = "primary" };
        var second = ResourceSnapshot.Create(2, [cluster], [endpoints], [], [], first);

        Assert.Equal("1", second[TypeUrls.Cluster].Version);
        Assert.Equal("2", second[TypeUrls.Endpoint].Version);
        Assert.Same(first[TypeUrls.Cluster], second[TypeUrls.Cluster]);
    }

    [Fact]
    public void Create_ChangedResource_GetsNewResourceVersion()
    {
        var first = ResourceSnapshot.Create(1, [new Cluster { Name = "primary" }], [], [], [], previous: null);
        var changed = new Cluster { Name = "primary", ConnectTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(2)) };
        var second = ResourceSnapshot.Create(2, [changed], [], [], [], first);

        Assert.Equal("2", second[TypeUrls.Cluster].Version);
        Assert.NotEqual(
            first[TypeUrls.Cluster].Resources["primary"].Version,
            second[TypeUrls.Cluster].Resources["primary"].Version);
    }
}
