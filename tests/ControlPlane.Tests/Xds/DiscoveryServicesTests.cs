using ControlPlane.Snapshots;
using Envoy.Config.Core.V3;
using Envoy.Service.Cluster.V3;
using Envoy.Service.Discovery.V3;
using Envoy.Service.Endpoint.V3;
using Envoy.Service.Listener.V3;
using Envoy.Service.Route.V3;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using static ControlPlane.Tests.Xds.XdsTestSnapshots;

namespace ControlPlane.Tests.Xds;

public sealed class DiscoveryServicesTests
{
    [Fact]
    public async Task StreamClusters_RequestWithoutTypeUrl_SendsClusters()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web")]);
        using var client = new XdsTestClient(new ClusterDiscoveryService.ClusterDiscoveryServiceClient(server.Channel).StreamClusters());

        await client.SendAsync(new DiscoveryRequest());

        var response = await client.ReadAsync();
        Assert.Equal(TypeUrls.Cluster, response.TypeUrl);
        Assert.Equal("1", response.VersionInfo);
        Assert.Equal(["web"], ClusterNames(response));
    }

    [Fact]
    public async Task StreamClusters_AckThenChange_PushesNewVersion()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, clusters: [EdsCluster("web")]);
        using var client = new XdsTestClient(new ClusterDiscoveryService.ClusterDiscoveryServiceClient(server.Channel).StreamClusters());
        await client.SubscribeAsync(TypeUrls.Cluster);
        await client.ReadAsync();
        await client.AckAsync(TypeUrls.Cluster);

        Publish(server.Cache, 2, clusters: [EdsCluster("web"), EdsCluster("primary")]);

        var response = await client.ReadAsync();
        Assert.Equal("2", response.VersionInfo);
        Assert.Equal(["primary", "web"], ClusterNames(response).Order());
    }

    [Fact]
    public async Task StreamClusters_OtherTypeUrl_InvalidArgument()
    {
        await using var server = await XdsTestServer.StartAsync();
        using var client = new XdsTestClient(new ClusterDiscoveryService.ClusterDiscoveryServiceClient(server.Channel).StreamClusters());

        await client.SubscribeAsync(TypeUrls.Listener);

        var error = await Assert.ThrowsAsync<RpcException>(client.ReadAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(TypeUrls.Listener, error.Status.Detail);
        Assert.Contains(TypeUrls.Cluster, error.Status.Detail);
    }

    [Fact]
    public async Task StreamEndpoints_NamedRequest_SendsOnlyRequestedEndpoints()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, endpoints: [Endpoints("a", 8081), Endpoints("b", 8082), Endpoints("c", 8083)]);
        using var client = new XdsTestClient(new EndpointDiscoveryService.EndpointDiscoveryServiceClient(server.Channel).StreamEndpoints());

        await client.SendAsync(new DiscoveryRequest { ResourceNames = { "a", "c", "missing" } });

        var response = await client.ReadAsync();
        Assert.Equal(TypeUrls.Endpoint, response.TypeUrl);
        Assert.Equal(["a", "c"], EndpointNames(response));
    }

    [Fact]
    public async Task StreamListenersAndRoutes_Requests_SendTheirTypes()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, listeners: [Listener("http", 10000)], routes: [Routes("http_routes"), Routes("other")]);
        using var listenerClient = new XdsTestClient(new ListenerDiscoveryService.ListenerDiscoveryServiceClient(server.Channel).StreamListeners());
        using var routeClient = new XdsTestClient(new RouteDiscoveryService.RouteDiscoveryServiceClient(server.Channel).StreamRoutes());

        await listenerClient.SendAsync(new DiscoveryRequest());
        await routeClient.SendAsync(new DiscoveryRequest { ResourceNames = { "http_routes" } });

        var listeners = await listenerClient.ReadAsync();
        var routes = await routeClient.ReadAsync();
        Assert.Equal(TypeUrls.Listener, listeners.TypeUrl);
        Assert.Equal("http", Assert.Single(listeners.Resources).Unpack<Envoy.Config.Listener.V3.Listener>().Name);
        Assert.Equal(TypeUrls.Route, routes.TypeUrl);
        Assert.Equal("http_routes", Assert.Single(routes.Resources).Unpack<Envoy.Config.Route.V3.RouteConfiguration>().Name);
    }

    [Fact]
    public async Task FetchClusters_WithNode_ReturnsCurrentClusters()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 3, clusters: [EdsCluster("web"), EdsCluster("primary")]);
        var client = new ClusterDiscoveryService.ClusterDiscoveryServiceClient(server.Channel);

        var response = await client.FetchClustersAsync(new DiscoveryRequest { Node = new Node { Id = "fetcher" } })
            .ResponseAsync.WaitAsync(XdsTestClient.Timeout);

        Assert.Equal(TypeUrls.Cluster, response.TypeUrl);
        Assert.Equal("3", response.VersionInfo);
        Assert.Equal(["primary", "web"], ClusterNames(response).Order());
    }

    [Fact]
    public async Task FetchEndpoints_NamedRequest_ReturnsRequestedThatExist()
    {
        await using var server = await XdsTestServer.StartAsync();
        Publish(server.Cache, 1, endpoints: [Endpoints("a", 8081), Endpoints("b", 8082)]);
        var client = new EndpointDiscoveryService.EndpointDiscoveryServiceClient(server.Channel);
        var request = new DiscoveryRequest { Node = new Node { Id = "fetcher" }, ResourceNames = { "b", "missing" } };

        var response = await client.FetchEndpointsAsync(request).ResponseAsync.WaitAsync(XdsTestClient.Timeout);

        Assert.Equal(["b"], EndpointNames(response));
    }

    [Fact]
    public async Task FetchClusters_WithoutNode_InvalidArgument()
    {
        await using var server = await XdsTestServer.StartAsync();
        var client = new ClusterDiscoveryService.ClusterDiscoveryServiceClient(server.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(
            () => client.FetchClustersAsync(new DiscoveryRequest()).ResponseAsync.WaitAsync(XdsTestClient.Timeout));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("node is required", error.Status.Detail);
    }

    [Fact]
    public async Task DeltaAggregatedResources_WithoutNode_InvalidArgument()
    {
        await using var server = await XdsTestServer.StartAsync();
        using var call = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(server.Channel).DeltaAggregatedResources();

        await call.RequestStream.WriteAsync(new DeltaDiscoveryRequest { TypeUrl = TypeUrls.Cluster }).WaitAsync(XdsTestClient.Timeout);

        var error = await Assert.ThrowsAsync<RpcException>(
            () => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(XdsTestClient.Timeout));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("node is required", error.Status.Detail);
    }

    [Fact]
    public async Task HealthCheck_XdsPort_Serving()
    {
        await using var server = await XdsTestServer.StartAsync();
        var health = new Health.HealthClient(server.Channel);

        var response = await health.CheckAsync(new HealthCheckRequest()).ResponseAsync.WaitAsync(XdsTestClient.Timeout);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task ServerReflection_ListServices_IncludesXdsServices()
    {
        await using var server = await XdsTestServer.StartAsync();
        using var call = new ServerReflection.ServerReflectionClient(server.Channel).ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" }).WaitAsync(XdsTestClient.Timeout);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(XdsTestClient.Timeout));

        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("envoy.service.discovery.v3.AggregatedDiscoveryService", services);
        Assert.Contains("envoy.service.cluster.v3.ClusterDiscoveryService", services);
        Assert.Contains("envoy.service.endpoint.v3.EndpointDiscoveryService", services);
        Assert.Contains("envoy.service.listener.v3.ListenerDiscoveryService", services);
        Assert.Contains("envoy.service.route.v3.RouteDiscoveryService", services);
    }
}
