namespace Cohort.Studies.Exports;

/// <summary>
/// Where completed periods of an export are kept, one pre-processed file per tenant per UTC day.
/// <see cref="FolderExportCache"/> ships; implement this for object storage.
/// </summary>
public interface IExportCache
{
    /// <summary>The cached file of a tenant's day in a format (<c>csv</c>), or <see langword="null"/> when there is none.</summary>
    ValueTask<Stream?> TryOpenAsync(string tenant, DateOnly day, string format, CancellationToken cancellationToken = default);

    /// <summary>Stores a tenant's completed day.</summary>
    ValueTask WriteAsync(string tenant, DateOnly day, string format, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>Drops a tenant's cached day (every format): late data arrived for it.</summary>
    ValueTask InvalidateAsync(string tenant, DateOnly day, CancellationToken cancellationToken = default);
}

/// <summary>An export cache in a local folder: <c>&lt;root&gt;/&lt;tenant&gt;/&lt;yyyy-MM-dd&gt;.&lt;format&gt;</c>, written atomically (temp file, then rename).</summary>
/// <param name="root">The folder (created when missing).</param>
public sealed class FolderExportCache(string root) : IExportCache
{
    /// <summary>The cache folder.</summary>
    public string Root { get; } = root ?? throw new ArgumentNullException(nameof(root));

    /// <inheritdoc />
    public ValueTask<Stream?> TryOpenAsync(string tenant, DateOnly day, string format, CancellationToken cancellationToken = default)
    {
        var path = PathOf(tenant, day, format);
        try
        {
            return ValueTask.FromResult<Stream?>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return ValueTask.FromResult<Stream?>(null);
        }
    }

    /// <inheritdoc />
    public async ValueTask WriteAsync(string tenant, DateOnly day, string format, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var path = PathOf(tenant, day, format);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllBytesAsync(temp, content, cancellationToken).ConfigureAwait(false);
        File.Move(temp, path, overwrite: true);
    }

    /// <inheritdoc />
    public ValueTask InvalidateAsync(string tenant, DateOnly day, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(Root, Cohort.Core.Tenant.IsValid(tenant, out _) ? tenant : throw new ArgumentException($"Invalid tenant id '{tenant}'.", nameof(tenant)));
        if (Directory.Exists(folder))
        {
            foreach (var file in Directory.EnumerateFiles(folder, day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + ".*"))
            {
                File.Delete(file);
            }
        }

        return ValueTask.CompletedTask;
    }

    private string PathOf(string tenant, DateOnly day, string format)
    {
        if (!Cohort.Core.Tenant.IsValid(tenant, out var reason))
        {
            throw new ArgumentException($"Invalid tenant id '{tenant}': {reason}", nameof(tenant));
        }

        if (string.IsNullOrEmpty(format) || !format.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException($"Invalid format '{format}'.", nameof(format));
        }

        return Path.Combine(Root, tenant, day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + "." + format);
    }
}
