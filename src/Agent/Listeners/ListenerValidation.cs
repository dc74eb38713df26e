using System.Net;
using Envoy.Config.Listener.V3;

namespace Agent.Listeners;

/// <summary>Checks the parts of a Listener the agent serves; every problem is added to the list.</summary>
internal static class ListenerValidation
{
    public static IPEndPoint? ReadAddress(Listener listener, string field, List<string> errors)
    {
        if (listener.ApiListener is not null)
        {
            errors.Add($"{field}.api_listener: API listeners are not supported by the agent");
            return null;
        }

        var socket = listener.Address?.SocketAddress;
        if (socket is null)
        {
            errors.Add($"{field}.address.socket_address: required");
            return null;
        }

        if (socket.Protocol != Envoy.Config.Core.V3.SocketAddress.Types.Protocol.Tcp)
        {
            errors.Add($"{field}.address.socket_address.protocol: only TCP is supported");
        }

        if (!IPAddress.TryParse(socket.Address, out var ip))
        {
            errors.Add($"{field}.address.socket_address.address: '{socket.Address}' is not an IP address");
            return null;
        }

        if (socket.PortValue > 65535)
        {
            errors.Add($"{field}.address.socket_address.port_value: {socket.PortValue} is not a port");
            return null;
        }

        return new IPEndPoint(ip, (int)socket.PortValue);
    }

    /// <summary>Returns the single terminal network filter of the listener's only filter chain.</summary>
    public static Filter? ReadTerminalFilter(Listener listener, string field, List<string> errors)
    {
        var chains = listener.FilterChains.ToList();
        if (listener.DefaultFilterChain is not null)
        {
            chains.Add(listener.DefaultFilterChain);
        }

        if (chains.Count != 1)
        {
            // TODO(listeners): choose among filter chains by filter_chain_match.
            errors.Add($"{field}.filter_chains: exactly one filter chain is supported, found {chains.Count}");
            return null;
        }

        if (chains[0].TransportSocket is not null)
        {
            errors.Add($"{field}.filter_chains[0].transport_socket: TLS is not supported");
        }

        if (listener.ListenerFilters.Count > 0)
        {
            errors.Add($"{field}.listener_filters: listener filters are not supported");
        }

        var filters = chains[0].Filters;
        if (filters.Count != 1)
        {
            errors.Add($"{field}.filter_chains[0].filters: exactly one (terminal) network filter is supported, found {filters.Count}");
            return null;
        }

        if (filters[0].TypedConfig is null)
        {
            errors.Add($"{field}.filter_chains[0].filters[0].typed_config: required");
            return null;
        }

        return filters[0];
    }
}
