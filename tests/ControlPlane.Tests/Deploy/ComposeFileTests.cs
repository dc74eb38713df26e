using System.Net;
using ControlPlane.Tests.Bootstrap;

namespace ControlPlane.Tests.Deploy;

/// <summary>Checks that the compose file, the Dockerfiles, the bootstraps and the scenario name the same things.</summary>
public sealed class ComposeFileTests
{
    private const int RedisPort = 6379;

    private readonly ComposeFile _compose = ComposeFile.Load();

    [Fact]
    public void DependsOn_EveryName_IsAService()
    {
        foreach (var service in _compose.Services.Values)
        {
            foreach (var dependency in service.DependsOn)
            {
                Assert.True(_compose.Services.ContainsKey(dependency), $"{service.Name} depends on unknown service '{dependency}'");
            }
        }
    }

    [Fact]
    public void Build_EveryDockerfile_Exists()
    {
        var built = _compose.Services.Values.Where(s => s.BuildContext is not null).ToList();

        Assert.NotEmpty(built);
        foreach (var service in built)
        {
            var dockerfile = Path.GetFullPath(Path.Combine(ComposeFile.Folder, service.BuildContext!, service.Dockerfile!));
            Assert.True(File.Exists(dockerfile), $"{service.Name}: {dockerfile} does not exist");
        }
    }

    [Fact]
    public void Volumes_EveryMountedFile_Exists()
    {
        var mounts = _compose.Services.Values.SelectMany(s => s.Volumes).Where(v => v.StartsWith("./", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(mounts);
        foreach (var mount in mounts)
        {
            var source = Path.Combine(ComposeFile.Folder, mount.Split(':')[0]);
            Assert.True(File.Exists(source), $"mounted file {source} does not exist");
        }
    }

    [Fact]
    public void Ports_EveryPublishedPort_BindsLoopbackOnly()
    {
        foreach (var service in _compose.Services.Values)
        {
            foreach (var port in service.Ports)
            {
                Assert.True(port.HostIp == "127.0.0.1", $"{service.Name} publishes {port.HostPort} on {port.HostIp}");
            }
        }
    }

    [Fact]
    public void Ports_HostPorts_AreUnique()
    {
        var hostPorts = _compose.Services.Values.SelectMany(s => s.Ports).Select(p => p.HostPort).ToList();

        Assert.Equal(hostPorts.Count, hostPorts.Distinct().Count());
    }

    [Fact]
    public void Networks_StaticAddresses_AreUniqueAndInsideSubnet()
    {
        var addresses = new List<string>();
        foreach (var service in _compose.Services.Values)
        {
            foreach (var (network, address) in service.Ipv4Addresses)
            {
                Assert.True(_compose.Subnets.ContainsKey(network), $"{service.Name}: network '{network}' sets no subnet");
                Assert.True(
                    IPNetwork.Parse(_compose.Subnets[network]).Contains(IPAddress.Parse(address)),
                    $"{service.Name}: {address} is outside {_compose.Subnets[network]}");
                addresses.Add(address);
            }
        }

        Assert.Equal(addresses.Count, addresses.Distinct().Count());
    }

    [Theory]
    [InlineData("envoy", BootstrapFiles.DockerEnvoy, "/etc/envoy/envoy.yaml")]
    [InlineData("agent", BootstrapFiles.DockerAgent, "/etc/agent/bootstrap.yaml")]
    public void Bootstrap_MountedForService_DialsControlplane(string serviceName, string bootstrapPath, string mountPath)
    {
        var service = _compose.Services[serviceName];
        var address = BootstrapFiles.XdsAddress(BootstrapFiles.Parse(bootstrapPath));
        var bootstrapFile = Path.GetFileName(bootstrapPath);

        Assert.Contains($"./docker/{bootstrapFile}:{mountPath}:ro", service.Volumes);
        Assert.Equal(mountPath, service.CommandValue("-c"));
        Assert.True(_compose.Services.ContainsKey(address.Address), $"{bootstrapPath} dials unknown service '{address.Address}'");
        Assert.Equal("controlplane", address.Address);
        Assert.Equal(18000u, address.PortValue);
        Assert.Contains("controlplane", service.DependsOn);
    }

    [Fact]
    public void Controlplane_PublishesXdsAndApiPorts()
    {
        var ports = _compose.Services["controlplane"].Ports.Select(p => p.ContainerPort).ToList();

        Assert.Contains(18000, ports);
        Assert.Contains(18080, ports);
    }

    [Fact]
    public void Apply_PostsDockerScenarioToControlplane()
    {
        var apply = _compose.Services["apply"];

        Assert.Contains("./docker/scenario.yaml:/scenario.yaml:ro", apply.Volumes);
        Assert.Contains("@/scenario.yaml", apply.Command);
        Assert.Contains("http://controlplane:18080/api/v1/apply", apply.Command);
    }

    [Fact]
    public void Scenario_EveryEndpointAddress_IsAServiceOnItsPort()
    {
        var endpoints = DockerScenario.Load().EndpointAddresses().ToList();

        Assert.NotEmpty(endpoints);
        foreach (var (cluster, address) in endpoints)
        {
            var service = _compose.ServiceAt(address.Address);
            Assert.True(service is not null, $"cluster {cluster}: no compose service has address {address.Address}");
            Assert.Equal(ContainerPortOf(service), (int)address.PortValue);
        }
    }

    [Theory]
    [InlineData("envoy")]
    [InlineData("agent")]
    public void Scenario_EveryListenerPort_IsPublishedBy(string serviceName)
    {
        var published = _compose.Services[serviceName].Ports.Select(p => p.ContainerPort).ToList();
        var listeners = DockerScenario.Load().Listeners.ToList();

        Assert.NotEmpty(listeners);
        foreach (var listener in listeners)
        {
            Assert.Contains((int)listener.Address.SocketAddress.PortValue, published);
        }
    }

    [Fact]
    public void Scenario_WithPublishedAddresses_EqualsLocalScenario()
    {
        // Each container address becomes the loopback port compose publishes it on, which is the
        // address the local run uses, so the two scenarios must then be the same resources.
        var docker = DockerScenario.Load();
        foreach (var (_, address) in docker.EndpointAddresses())
        {
            var service = _compose.ServiceAt(address.Address)!;
            var published = service.Ports.Single(p => p.ContainerPort == (int)address.PortValue);
            address.Address = published.HostIp;
            address.PortValue = (uint)published.HostPort;
        }

        // A container's listeners must accept connections from outside it; the local run keeps
        // its listeners on loopback.
        foreach (var listener in docker.Listeners)
        {
            Assert.Equal("0.0.0.0", listener.Address.SocketAddress.Address);
            listener.Address.SocketAddress.Address = "127.0.0.1";
        }

        var local = DockerScenario.Load(DockerScenario.LocalRelativePath);

        Assert.Equal(local.Resources.Count, docker.Resources.Count);
        for (var i = 0; i < local.Resources.Count; i++)
        {
            Assert.Equal(local.Resources[i], docker.Resources[i]);
        }
    }

    // The port a service listens on inside its container: Redis images listen on 6379, the demo
    // backend on the port its command names.
    private static int ContainerPortOf(ComposeService service)
    {
        if (service.Image?.StartsWith("redis:", StringComparison.Ordinal) == true)
        {
            return int.Parse(service.CommandValue("--port") ?? RedisPort.ToString());
        }

        var port = service.CommandValue("--port");
        Assert.True(port is not null, $"{service.Name} is no Redis image and its command names no --port");
        return int.Parse(port);
    }
}
