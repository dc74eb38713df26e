using System.Text.Json;

namespace Report;

/// <summary>
/// The outcome of reading one raw JSON file: its content, or the reason the report prints "not run"
/// (the file is missing) or "unreadable" (the file is there but is not the expected JSON).
/// </summary>
internal sealed record RawFile<T>(T? Content, string? Missing) where T : class
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static RawFile<T> Read(string path)
    {
        if (!File.Exists(path))
        {
            return new RawFile<T>(null, $"not run ({path} is missing)");
        }

        try
        {
            var content = JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options);
            return content is null
                ? new RawFile<T>(null, $"unreadable ({path} contains null)")
                : new RawFile<T>(content, null);
        }
        catch (JsonException error)
        {
            return new RawFile<T>(null, $"unreadable ({path}: {error.Message})");
        }
    }
}
