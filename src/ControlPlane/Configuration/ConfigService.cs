using ControlPlane.Snapshots;
using ControlPlane.Store;
using ControlPlane.Validation;

namespace ControlPlane.Configuration;

/// <summary>
/// The one writer of the configuration. Each change runs alone: check the edits against the current
/// state, validate the whole candidate, commit it to the store, then publish the new snapshot. A
/// change that fails any step leaves the state, the store and the published snapshot as they were.
/// </summary>
internal sealed class ConfigService : IHostedService
{
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly ConfigStore _store;
    private readonly SnapshotCache _cache;
    private readonly ResourceValidators _validators;
    private readonly ConfigLog _log;
    private ConfigState _state = ConfigState.Empty;

    public ConfigService(ConfigStore store, SnapshotCache cache, ResourceValidators validators, ILogger<ConfigService> logger)
    {
        _store = store;
        _cache = cache;
        _validators = validators;
        _log = new ConfigLog(logger);
    }

    /// <summary>The accepted configuration; readers need no lock because it is immutable.</summary>
    public ConfigState Current => Volatile.Read(ref _state);

    /// <summary>Loads the stored configuration and publishes it at the stored version.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Building the type registry reflects over every generated Envoy type and takes seconds
        // cold, so doing it here keeps that cost out of the first request.
        _ = Envoy.Api.Serialization.EnvoyTypeRegistry.Instance;

        var state = _store.Load();
        Volatile.Write(ref _state, state);
        _cache.Publish(EdsConversion.BuildSnapshot(state, _cache.Current));
        _log.Loaded(state.Version, state.Clusters.Count, state.Listeners.Count, state.Routes.Count);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<ChangeResult> ApplyAsync(IReadOnlyList<ConfigEdit> edits, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            return Apply(edits);
        }
        finally
        {
            _writer.Release();
        }
    }

    private ChangeResult Apply(IReadOnlyList<ConfigEdit> edits)
    {
        var current = Current;
        if (CheckPreconditions(current, edits) is { } failed)
        {
            return failed;
        }

        var created = edits.Select(edit => current.Find(edit.Kind, edit.Name) is null).ToList();
        // Clusters go first, so that endpoints in the same change find their cluster's type.
        var candidate = edits.OrderBy(edit => edit.Kind).Aggregate(current, (state, edit) =>
            edit.Mode == EditMode.Delete ? state.Delete(edit.Kind, edit.Name) : state.Upsert(edit.Resource!));

        var problems = _validators.ValidateChange(current, candidate, edits);
        if (problems.Status != ChangeStatus.Applied)
        {
            _log.Rejected(current.Version, problems.Problems.Count);
            return ChangeResult.Failed(problems.Status, current.Version, problems.Problems);
        }

        return Commit(current, candidate, created);
    }

    private ChangeResult Commit(ConfigState current, ConfigState candidate, List<bool> created)
    {
        var changes = candidate.Diff(current);
        if (changes.Count == 0)
        {
            return new ChangeResult(ChangeStatus.Applied, current.Version, [], created);
        }

        var next = candidate with { Version = current.Version + 1 };
        _store.Commit(next.Version, changes);
        Volatile.Write(ref _state, next);
        _cache.Publish(EdsConversion.BuildSnapshot(next, _cache.Current));
        _log.Committed(next.Version, changes.Count);
        return new ChangeResult(ChangeStatus.Applied, next.Version, [], created);
    }

    private static ChangeResult? CheckPreconditions(ConfigState current, IReadOnlyList<ConfigEdit> edits)
    {
        foreach (var edit in edits)
        {
            var exists = edit.Mode == EditMode.SetEndpoints
                ? current.Clusters.ContainsKey(edit.Name)
                : current.Find(edit.Kind, edit.Name) is not null;
            var noun = edit.Mode == EditMode.SetEndpoints ? "cluster" : edit.Kind.Noun();
            if (edit.Mode == EditMode.Create && exists)
            {
                return ChangeResult.Failed(ChangeStatus.Conflict, current.Version,
                    [new FieldProblem("name", $"{noun} '{edit.Name}' already exists; use PUT to replace it")]);
            }

            if (edit.Mode is EditMode.Delete or EditMode.SetEndpoints && !exists)
            {
                return ChangeResult.Failed(ChangeStatus.NotFound, current.Version,
                    [new FieldProblem("name", $"{noun} '{edit.Name}' does not exist")]);
            }
        }

        return null;
    }
}
