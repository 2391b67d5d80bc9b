using System.Collections.Immutable;
using System.IO.Compression;
using Cohort.Core.LineProtocol;
using Cohort.Core.Portability.Internal;

namespace Cohort.Core.Portability;

/// <summary>
/// Exports a tenant's complete data from any <see cref="IPointReader"/> to an open zip archive, and imports such an
/// archive into any <see cref="IPointWriter"/>. The archive holds <c>manifest.json</c> (format version, tenant, export
/// time, every series with its fields, time range and counts, optional <c>analytics</c> and <c>measures</c> sections)
/// and one line protocol entry per measurement, <c>data/&lt;measurement&gt;.lp</c>, at nanosecond precision. Both
/// directions stream: memory grows with the number of series, never with the number of points. The byte-level
/// format is in docs/portability.md.
/// </summary>
public static class TenantArchive
{
    /// <summary>The format version this version of Cohort writes (and the newest it reads).</summary>
    public const int FormatVersion = 1;

    private static readonly LineProtocolWriter EntryWriter = new(new LineProtocolWriterOptions { EscapeLineFeeds = true });

    /// <summary>
    /// Writes every point of <paramref name="tenant"/> that <paramref name="reader"/> returns for
    /// <see cref="TimeRange.All"/> to <paramref name="destination"/> as a zip archive (left open).
    /// </summary>
    /// <returns>The manifest written.</returns>
    /// <exception cref="CohortException">
    /// A value line protocol cannot carry (a NaN or infinite float, an unpaired surrogate, a name with a line feed): an
    /// export never drops data silently. Also whatever the reader throws.
    /// </exception>
    public static async Task<ArchiveManifest> ExportAsync(IPointReader reader, Tenant tenant, Stream destination, ArchiveExportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentException.ThrowIfNullOrEmpty(tenant.Id, nameof(tenant));
        options ??= new ArchiveExportOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options));
        var exportedAt = options.TimeProvider.GetUtcNow();

        var statistics = new ArchiveStatistics();
        var names = new EntryNames();
        var measurements = ImmutableArray.CreateBuilder<(string Name, string Entry)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var batch = new PointBatch(options.BatchSize);
        var archive = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true);
        await using (archive.ConfigureAwait(false))
        {
            Stream? entryStream = null;
            string? current = null;
            try
            {
                await foreach (var point in reader.ReadAsync(tenant, new PointQuery(TimeRange.All), cancellationToken).ConfigureAwait(false))
                {
                    if (!string.Equals(point.Measurement, current, StringComparison.Ordinal))
                    {
                        await FlushAsync(batch, entryStream, current, cancellationToken).ConfigureAwait(false);
                        if (entryStream is not null)
                        {
                            await entryStream.DisposeAsync().ConfigureAwait(false);
                        }

                        if (!seen.Add(point.Measurement))
                        {
                            throw new CohortException(
                                $"The reader returned measurement '{point.Measurement}' again after '{current}': an IPointReader must return points ordered by series (measurement first).");
                        }

                        current = point.Measurement;
                        var name = names.For(current);
                        measurements.Add((current, name));
                        entryStream = await archive.CreateEntry(name, options.CompressionLevel).OpenAsync(cancellationToken).ConfigureAwait(false);
                        batch.Reset();
                    }

                    batch.Add(point);
                    statistics.Add(point);
                    if (batch.PointCount >= options.BatchSize)
                    {
                        await FlushAsync(batch, entryStream, current, cancellationToken).ConfigureAwait(false);
                    }
                }

                await FlushAsync(batch, entryStream, current, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (entryStream is not null)
                {
                    await entryStream.DisposeAsync().ConfigureAwait(false);
                }
            }

            var manifest = new ArchiveManifest
            {
                Tenant = tenant,
                ExportedAt = exportedAt,
                Measurements = [.. measurements.Select(m =>
                {
                    var (points, values) = statistics.Measurement(m.Name);
                    return new ArchiveMeasurement(m.Name, m.Entry, points, values);
                })],
                Series = statistics.ToSeries(),
                Analytics = options.Analytics,
                Measures = options.Measures,
            };
            var manifestStream = await archive.CreateEntry(EntryNames.Manifest, options.CompressionLevel).OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (manifestStream.ConfigureAwait(false))
            {
                await ManifestJson.WriteAsync(manifest, manifestStream, cancellationToken).ConfigureAwait(false);
            }

            return manifest;
        }
    }

    /// <summary>Reads and validates the manifest of an archive without reading its data.</summary>
    /// <exception cref="ArchiveFormatException">Not a zip, no manifest, or a manifest that is not valid.</exception>
    public static async Task<ArchiveManifest> ReadManifestAsync(Stream archive, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        var zip = await OpenAsync(archive, cancellationToken).ConfigureAwait(false);
        await using (zip.ConfigureAwait(false))
        {
            return await ReadManifestAsync(zip, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Imports an archive into <paramref name="writer"/> in batches: the manifest is validated, every entry parsed and
    /// its counts checked against the manifest (before anything is written, unless
    /// <see cref="ArchiveImportOptions.VerifyBeforeWriting"/> is off), then the points written.
    /// </summary>
    /// <param name="archive">The archive; a stream that cannot seek is copied to a temporary file first.</param>
    /// <param name="writer">The store to write to.</param>
    /// <param name="options">The options; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the import.</param>
    /// <returns>The counts, and the values the store refused (each with its entry and line).</returns>
    /// <exception cref="ArchiveFormatException">The archive is not valid: the message says which entry, line and column
    /// or JSON path, and why.</exception>
    public static async Task<ArchiveImportResult> ImportAsync(Stream archive, IPointWriter writer, ArchiveImportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(writer);
        options ??= new ArchiveImportOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options));

        Stream? copy = null;
        if (!archive.CanSeek)
        {
            copy = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            await archive.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            copy.Position = 0;
        }

        try
        {
            var zip = await OpenAsync(copy ?? archive, cancellationToken).ConfigureAwait(false);
            await using (zip.ConfigureAwait(false))
            {
                var manifest = await ReadManifestAsync(zip, cancellationToken).ConfigureAwait(false);
                var tenant = options.Tenant ?? manifest.Tenant;
                if (options.VerifyBeforeWriting)
                {
                    await ReadEntriesAsync(zip, manifest, options.BatchSize, static (_, _, _, _) => Task.CompletedTask, cancellationToken).ConfigureAwait(false);
                }

                var rejections = ImmutableArray.CreateBuilder<ArchiveRejection>();
                var written = 0L;
                var read = await ReadEntriesAsync(
                    zip,
                    manifest,
                    options.BatchSize,
                    async (entry, batch, firstLine, token) =>
                    {
                        var result = await writer.WriteAsync(tenant, batch, token).ConfigureAwait(false);
                        written += result.Written;
                        foreach (var rejection in result.Rejections)
                        {
                            var line = rejection.Index is { } row && row >= 0 && row < batch.ValueCount
                                ? firstLine + EntryReader.PointIndex(batch, row)
                                : (long?)null;
                            rejections.Add(new ArchiveRejection(entry, rejection with { Line = line ?? rejection.Line }));
                        }
                    },
                    cancellationToken).ConfigureAwait(false);
                return new ArchiveImportResult(manifest, tenant, read, written, rejections.ToImmutable());
            }
        }
        finally
        {
            if (copy is not null)
            {
                await copy.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task FlushAsync(PointBatch batch, Stream? entry, string? measurement, CancellationToken cancellationToken)
    {
        if (batch.IsEmpty || entry is null)
        {
            return;
        }

        var result = await EntryWriter.WriteAsync(batch, entry, cancellationToken).ConfigureAwait(false);
        if (!result.IsComplete)
        {
            var rejection = result.Rejections[0];
            var row = rejection.Index ?? 0;
            var series = batch.GetSeries(batch.SeriesIds[Math.Clamp(row, 0, batch.ValueCount - 1)]);
            throw new CohortException(
                $"Cannot export measurement '{measurement}': series {series}, timestamp {batch.Timestamps[Math.Clamp(row, 0, batch.ValueCount - 1)]}" +
                (rejection.Field is null ? "" : $", field '{rejection.Field}'") + $": {rejection.Reason} ({result.Rejections.Length} such value(s) in this batch).");
        }

        batch.Clear();
    }

    private static async Task<ZipArchive> OpenAsync(Stream archive, CancellationToken cancellationToken)
    {
        try
        {
            return await ZipArchive.CreateAsync(archive, ZipArchiveMode.Read, leaveOpen: true, entryNameEncoding: null, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException exception)
        {
            throw new ArchiveFormatException("The input is not a zip archive: " + exception.Message, exception);
        }
    }

    private static async Task<ArchiveManifest> ReadManifestAsync(ZipArchive zip, CancellationToken cancellationToken)
    {
        var entry = zip.GetEntry(EntryNames.Manifest) ?? throw new ArchiveFormatException(EntryNames.Manifest, 0, 0, null, "the archive has no manifest.json");
        ArchiveManifest manifest;
        var stream = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            manifest = await ManifestJson.ReadAsync(stream, cancellationToken).ConfigureAwait(false);
        }

        var listed = manifest.Measurements.Select(m => m.Entry).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < manifest.Measurements.Length; i++)
        {
            if (zip.GetEntry(manifest.Measurements[i].Entry) is null)
            {
                throw new ArchiveFormatException(EntryNames.Manifest, 0, 0, FormattableString.Invariant($"$.measurements[{i}].entry"), $"the archive has no entry \"{manifest.Measurements[i].Entry}\"");
            }
        }

        foreach (var other in zip.Entries)
        {
            if (other.FullName.StartsWith(EntryNames.DataFolder, StringComparison.Ordinal) && !listed.Contains(other.FullName))
            {
                throw new ArchiveFormatException(other.FullName, 0, 0, null, "the entry is not listed in manifest.json's measurements");
            }
        }

        var measured = manifest.Measurements.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < manifest.Series.Length; i++)
        {
            if (!measured.Contains(manifest.Series[i].Series.Measurement))
            {
                throw new ArchiveFormatException(EntryNames.Manifest, 0, 0, FormattableString.Invariant($"$.series[{i}].measurement"), $"measurement \"{manifest.Series[i].Series.Measurement}\" is not in $.measurements");
            }
        }

        return manifest;
    }

    /// <summary>Reads every entry in batches, checking each against the manifest; returns the points read.</summary>
    private static async Task<long> ReadEntriesAsync(ZipArchive zip, ArchiveManifest manifest, int batchSize, Func<string, PointBatch, long, CancellationToken, Task> onBatch, CancellationToken cancellationToken)
    {
        var statistics = new ArchiveStatistics();
        var batch = new PointBatch(batchSize);
        foreach (var measurement in manifest.Measurements)
        {
            batch.Reset();
            var reader = new EntryReader(measurement.Entry, measurement.Name, batchSize);
            var stream = await zip.GetEntry(measurement.Entry)!.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                try
                {
                    await reader.ReadAsync(
                        stream,
                        batch,
                        async (b, firstLine) =>
                        {
                            statistics.Add(b);
                            await onBatch(measurement.Entry, b, firstLine, cancellationToken).ConfigureAwait(false);
                        },
                        cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidDataException exception)
                {
                    throw new ArchiveFormatException(measurement.Entry, 0, 0, null, "the entry is corrupt: " + exception.Message, exception);
                }
            }

            var (points, values) = statistics.Measurement(measurement.Name);
            if (points != measurement.PointCount || values != measurement.ValueCount)
            {
                var index = manifest.Measurements.IndexOf(measurement);
                throw new ArchiveFormatException(
                    EntryNames.Manifest,
                    0,
                    0,
                    FormattableString.Invariant($"$.measurements[{index}]"),
                    FormattableString.Invariant($"measurement \"{measurement.Name}\" is listed with {measurement.PointCount} points and {measurement.ValueCount} values; {measurement.Entry} holds {points} points and {values} values"));
            }
        }

        if (statistics.FindDifference(manifest.Series) is { } difference)
        {
            throw new ArchiveFormatException(EntryNames.Manifest, 0, 0, difference.Path, difference.Reason);
        }

        return manifest.PointCount;
    }
}
