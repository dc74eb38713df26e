using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Agent.Listeners.Http;

/// <summary>The endpoint a per-listener Kestrel server "binds": connections arrive from the agent's listener, not a socket.</summary>
internal sealed class HandoffEndPoint(string listenerName) : EndPoint
{
    public override string ToString() => $"handoff:{listenerName}";
}

/// <summary>
/// A Kestrel transport fed by the agent's own listener: each accepted socket connection is handed
/// to Kestrel here, and <see cref="ServeAsync"/> completes when Kestrel is done with it.
/// </summary>
internal sealed class HandoffTransport : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly Channel<ConnectionContext> _pending = Channel.CreateUnbounded<ConnectionContext>();

    public bool CanBind(EndPoint endpoint) => endpoint is HandoffEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        new(new Listener(endpoint, _pending.Reader));

    public async Task ServeAsync(ConnectionContext connection, CancellationToken cancellationToken)
    {
        var handedOff = new HandedOffConnection(connection);
        await _pending.Writer.WriteAsync(handedOff, cancellationToken);
        await handedOff.Completed;
    }

    public void Complete() => _pending.Writer.TryComplete();

    private sealed class Listener(EndPoint endpoint, ChannelReader<ConnectionContext> reader) : IConnectionListener
    {
        private readonly CancellationTokenSource _unbound = new();

        public EndPoint EndPoint => endpoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
            try
            {
                return await reader.ReadAsync(linked.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
            {
                return null;
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            _unbound.Cancel();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            _unbound.Cancel();
            _unbound.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Passes everything through to the socket connection; Kestrel's dispose only signals completion.</summary>
    private sealed class HandedOffConnection(ConnectionContext inner) : ConnectionContext
    {
        private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Completed => _completed.Task;

        public override string ConnectionId { get => inner.ConnectionId; set => inner.ConnectionId = value; }

        public override IFeatureCollection Features => inner.Features;

        public override IDictionary<object, object?> Items { get => inner.Items; set => inner.Items = value; }

        public override IDuplexPipe Transport { get => inner.Transport; set => inner.Transport = value; }

        public override EndPoint? LocalEndPoint { get => inner.LocalEndPoint; set => inner.LocalEndPoint = value; }

        public override EndPoint? RemoteEndPoint { get => inner.RemoteEndPoint; set => inner.RemoteEndPoint = value; }

        public override CancellationToken ConnectionClosed { get => inner.ConnectionClosed; set => inner.ConnectionClosed = value; }

        public override void Abort(ConnectionAbortedException abortReason) => inner.Abort(abortReason);

        public override ValueTask DisposeAsync()
        {
            _completed.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }
}
