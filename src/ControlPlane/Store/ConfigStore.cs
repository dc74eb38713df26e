using ControlPlane.Configuration;
using Envoy.Api.Serialization;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Google.Protobuf;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace ControlPlane.Store;

/// <summary>
/// The accepted configuration in a SQLite file: one row a resource, as proto3 JSON with proto field
/// names, and the config version. Each change is one transaction on a connection with
/// <c>synchronous=FULL</c> in WAL mode, so a commit that returned is on disk. Callers serialize
/// writes; this class does no locking of its own.
/// </summary>
internal sealed class ConfigStore : IDisposable
{
    private readonly SqliteConnection _connection;

    public ConfigStore(IOptions<ControlPlaneOptions> options)
    {
        var path = Path.GetFullPath(options.Value.StorePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);

        // No pooling: the one connection lives as long as the store and closes the file on dispose.
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
        Execute("""
            CREATE TABLE IF NOT EXISTS resources (
                kind TEXT NOT NULL,
                name TEXT NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (kind, name));
            CREATE TABLE IF NOT EXISTS config_version (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                version INTEGER NOT NULL);
            INSERT OR IGNORE INTO config_version (id, version) VALUES (1, 0);
            """);
    }

    /// <summary>Reads the whole configuration and its version.</summary>
    public ConfigState Load()
    {
        var state = ConfigState.Empty with { Version = ReadVersion() };
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT kind, body FROM resources ORDER BY kind, name";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            state = Add(state, Enum.Parse<ResourceKind>(reader.GetString(0)), reader.GetString(1));
        }

        return state;
    }

    /// <summary>Writes <paramref name="changes"/> and the new version in one transaction.</summary>
    public void Commit(long version, IReadOnlyList<(ResourceKind Kind, string Name, IMessage? Resource)> changes)
    {
        using var transaction = _connection.BeginTransaction();
        foreach (var (kind, name, resource) in changes)
        {
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = resource is null
                ? "DELETE FROM resources WHERE kind = $kind AND name = $name"
                : "INSERT INTO resources (kind, name, body) VALUES ($kind, $name, $body) ON CONFLICT (kind, name) DO UPDATE SET body = excluded.body";
            command.Parameters.AddWithValue("$kind", kind.ToString());
            command.Parameters.AddWithValue("$name", name);
            if (resource is not null)
            {
                command.Parameters.AddWithValue("$body", EnvoyJson.Format(resource));
            }

            command.ExecuteNonQuery();
        }

        using (var update = _connection.CreateCommand())
        {
            update.Transaction = transaction;
            update.CommandText = "UPDATE config_version SET version = $version WHERE id = 1";
            update.Parameters.AddWithValue("$version", version);
            update.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public void Dispose() => _connection.Dispose();

    private long ReadVersion()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT version FROM config_version WHERE id = 1";
        return (long)command.ExecuteScalar()!;
    }

    // Endpoints rows go straight to the Endpoints map: Upsert would route them by cluster type,
    // and the clusters may not have been read yet.
    private static ConfigState Add(ConfigState state, ResourceKind kind, string body) => kind switch
    {
        ResourceKind.Cluster => AddCluster(state, Parse<Cluster>(body)),
        ResourceKind.Endpoints => AddEndpoints(state, Parse<ClusterLoadAssignment>(body)),
        ResourceKind.Listener => state.Upsert(Parse<Listener>(body)),
        _ => state.Upsert(Parse<RouteConfiguration>(body)),
    };

    private static ConfigState AddCluster(ConfigState state, Cluster cluster) =>
        state with { Clusters = state.Clusters.SetItem(cluster.Name, cluster) };

    private static ConfigState AddEndpoints(ConfigState state, ClusterLoadAssignment endpoints) =>
        state with { Endpoints = state.Endpoints.SetItem(endpoints.ClusterName, endpoints) };

    private static T Parse<T>(string body) where T : IMessage<T>, new() => EnvoyJson.Parse<T>(body);

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
