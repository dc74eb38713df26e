using Agent.Xds;
using Envoy.Service.Discovery.V3;
using Microsoft.Extensions.DependencyInjection;

namespace Agent.Tests.Support;

/// <summary>
/// Records the delta ADS messages the agent writes and reads, each with the number of the stream it
/// belongs to (1 for the first connection, 2 after the first reconnect, and so on).
/// </summary>
internal sealed class DeltaTraffic
{
    private readonly object _lock = new();
    private readonly List<(int Stream, DeltaDiscoveryRequest Request)> _requests = [];
    private readonly List<(int Stream, DeltaDiscoveryResponse Response)> _responses = [];
    private int _stream;

    private DeltaTraffic(DeltaAdsProtocol protocol)
    {
        Protocol = protocol;
        protocol.RequestWriting += OnRequest;
        protocol.ResponseReceived += OnResponse;
    }

    public DeltaAdsProtocol Protocol { get; }

    /// <summary>Subscribes to the agent's delta protocol; call it before the agent starts.</summary>
    public static DeltaTraffic Attach(IServiceProvider services)
    {
        var protocol = services.GetRequiredService<AdsClient>().Protocol;
        return new DeltaTraffic(Assert.IsType<DeltaAdsProtocol>(protocol));
    }

    public async Task<DeltaDiscoveryRequest> WaitForRequestAsync(int stream, Func<DeltaDiscoveryRequest, bool> match, string description)
    {
        DeltaDiscoveryRequest? found = null;
        await AgentRunner.WaitUntilAsync(() => (found = Find(_requests, stream, match)) is not null, description);
        return found!;
    }

    public async Task<DeltaDiscoveryResponse> WaitForResponseAsync(int stream, Func<DeltaDiscoveryResponse, bool> match, string description)
    {
        DeltaDiscoveryResponse? found = null;
        await AgentRunner.WaitUntilAsync(() => (found = Find(_responses, stream, match)) is not null, description);
        return found!;
    }

    /// <summary>Returns the responses of one stream received so far, in order.</summary>
    public IReadOnlyList<DeltaDiscoveryResponse> Responses(int stream)
    {
        lock (_lock)
        {
            return _responses.Where(r => r.Stream == stream).Select(r => r.Response).ToList();
        }
    }

    private T? Find<T>(List<(int Stream, T Message)> messages, int stream, Func<T, bool> match) where T : class
    {
        lock (_lock)
        {
            return messages.Where(m => m.Stream == stream).Select(m => m.Message).FirstOrDefault(match);
        }
    }

    // The node goes on the first request of each stream only, so it marks a new stream.
    private void OnRequest(DeltaDiscoveryRequest request)
    {
        lock (_lock)
        {
            if (request.Node is not null)
            {
                _stream++;
            }

            _requests.Add((_stream, request.Clone()));
        }
    }

    private void OnResponse(DeltaDiscoveryResponse response)
    {
        lock (_lock)
        {
            _responses.Add((_stream, response.Clone()));
        }
    }
}
