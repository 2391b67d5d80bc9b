namespace Cohort.Quickstart;

/// <summary>
/// The run's folder. A folder a previous quickstart run made (it holds <see cref="Marker"/>) is emptied so each run
/// reports its own day; any other non-empty folder is refused rather than overwritten.
/// </summary>
internal static class OutputFolder
{
    public const string Marker = ".cohort-quickstart";

    public static bool TryPrepare(string path, out string fullPath, out string? error)
    {
        fullPath = Path.GetFullPath(path);
        error = null;
        if (Directory.Exists(fullPath) && Directory.EnumerateFileSystemEntries(fullPath).Any())
        {
            if (!File.Exists(Path.Combine(fullPath, Marker)))
            {
                error = $"--out: '{fullPath}' is not empty and was not made by the quickstart; choose another folder.";
                return false;
            }

            foreach (var entry in Directory.EnumerateFileSystemEntries(fullPath))
            {
                if (Directory.Exists(entry))
                {
                    Directory.Delete(entry, recursive: true);
                }
                else
                {
                    File.Delete(entry);
                }
            }
        }

        Directory.CreateDirectory(fullPath);
        File.WriteAllText(Path.Combine(fullPath, Marker), "Made by the Cohort quickstart; the next run there replaces this folder's content.\n");
        return true;
    }
}
