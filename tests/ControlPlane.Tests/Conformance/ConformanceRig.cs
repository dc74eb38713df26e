using Tests.Shared;

namespace ControlPlane.Tests.Conformance;

/// <summary>
/// A real control plane and two gRPC backends, "a" and "b", with the API listener, the routes and
/// the EDS cluster posted through the operator API: backend a at priority 0, backend b at priority 1.
/// </summary>
internal sealed class ConformanceRig : IAsyncDisposable
{
    private ConformanceRig(ControlPlaneServer controlPlane, GrpcBackend a, GrpcBackend b)
    {
        ControlPlane = controlPlane;
        A = a;
        B = b;
        Api = new OperatorApiClient(controlPlane.Api);
    }

    public ControlPlaneServer ControlPlane { get; }

    public GrpcBackend A { get; }

    public GrpcBackend B { get; }

    public OperatorApiClient Api { get; }

    public static async Task<ConformanceRig> StartAsync()
    {
        var controlPlane = await ControlPlaneServer.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var rig = new ConformanceRig(controlPlane, await GrpcBackend.StartAsync("a"), await GrpcBackend.StartAsync("b"));
        try
        {
            await rig.PostResourcesAsync();
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    private async Task PostResourcesAsync()
    {
        await Api.PostAsync("clusters", ConformanceResources.EdsCluster());
        await Api.PutAsync(
            $"/api/v1/clusters/{ConformanceResources.ClusterName}/endpoints",
            ConformanceResources.Endpoints((A, 0), (B, 1)));
        await Api.PostAsync("routes", ConformanceResources.Routes());
        await Api.PostAsync("listeners", ConformanceResources.ApiListener());
    }

    /// <summary>Starts gRPC's Node xDS client against this control plane.</summary>
    public NodeXdsClient StartClient() => NodeXdsClient.Start(ControlPlane.XdsPort, ConformanceResources.ServiceName);

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await ControlPlane.DisposeAsync();
    }
}
