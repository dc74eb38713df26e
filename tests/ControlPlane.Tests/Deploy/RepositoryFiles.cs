namespace ControlPlane.Tests.Deploy;

/// <summary>Locates files of this repository from a test's output folder.</summary>
internal static class RepositoryFiles
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The folder that contains ControlPlane.sln.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>The full path of <paramref name="relativePath"/> (forward slashes) under the repository root.</summary>
    public static string PathOf(string relativePath) =>
        Path.Combine([Root, .. relativePath.Split('/')]);

    public static string ReadText(string relativePath) => File.ReadAllText(PathOf(relativePath));

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "ControlPlane.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException(
            $"no folder above {AppContext.BaseDirectory} contains ControlPlane.sln; run the tests from the repository");
    }
}
