using System.Net;
using System.Net.Sockets;

namespace Tests.Shared;

/// <summary>Free TCP ports on 127.0.0.1 for servers that a test starts itself.</summary>
public static class LoopbackPorts
{
    /// <summary>
    /// Returns a port the OS just handed out and released. Another process could take it before the
    /// caller binds it; the OS hands ports out in sequence, so in practice it stays free.
    /// </summary>
    public static int GetFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
