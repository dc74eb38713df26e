using System.Diagnostics;

namespace ControlPlaneBench.Nodes;

/// <summary>
/// The push in progress, shared by every node of a run. The first EDS ACK a node sends after a
/// push starts is its ACK of that push, because nothing else changes the endpoints during a run.
/// </summary>
internal sealed class PushTracker
{
    private int _currentPush;

    public int CurrentPush => Volatile.Read(ref _currentPush);

    /// <summary>Starts push number <paramref name="push"/> (1, 2, ...) before its API call is made.</summary>
    public void Start(int push) => Volatile.Write(ref _currentPush, push);
}

/// <summary>What one node observed: its ACK of the current push, and the responses it received.</summary>
internal sealed class NodeCounters
{
    private int _lastPushAcked;
    private long _pushAckTimestamp;
    private long _bytesReceived;
    private long _resourcesReceived;

    public int LastPushAcked => Volatile.Read(ref _lastPushAcked);

    /// <summary>The <see cref="Stopwatch"/> timestamp of the node's ACK of <see cref="LastPushAcked"/>.</summary>
    public long PushAckTimestamp => Volatile.Read(ref _pushAckTimestamp);

    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    public long ResourcesReceived => Interlocked.Read(ref _resourcesReceived);

    public void RecordResponse(int bytes, int resources)
    {
        Interlocked.Add(ref _bytesReceived, bytes);
        Interlocked.Add(ref _resourcesReceived, resources);
    }

    /// <summary>Records an EDS ACK just sent; only the first one after a push starts counts.</summary>
    public void RecordEdsAck(PushTracker tracker)
    {
        var push = tracker.CurrentPush;
        if (push != LastPushAcked)
        {
            Volatile.Write(ref _pushAckTimestamp, Stopwatch.GetTimestamp());
            Volatile.Write(ref _lastPushAcked, push);
        }
    }
}
