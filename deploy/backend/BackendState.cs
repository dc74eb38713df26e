namespace Backend;

/// <summary>Whether the backend was told to fail; switched by POST /fail and POST /recover.</summary>
internal sealed class BackendState
{
    private volatile bool _failing;

    public bool Failing
    {
        get => _failing;
        set => _failing = value;
    }
}
