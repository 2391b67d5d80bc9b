using Cohort.Core;

namespace Cohort.Storage.Conformance;

/// <summary>
/// A store the conformance suite runs against: its writer and reader (usually one object), what it promises beyond
/// the base contract, and how to release it after the test.
/// </summary>
public sealed class StoreUnderTest : IAsyncDisposable
{
    private readonly Func<ValueTask>? _dispose;

    /// <summary>Creates the store under test.</summary>
    /// <param name="writer">The store's writer.</param>
    /// <param name="reader">The store's reader over the same data.</param>
    /// <param name="dispose">Releases the store (and anything the factory started) after the test.</param>
    public StoreUnderTest(IPointWriter writer, IPointReader reader, Func<ValueTask>? dispose = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(reader);
        Writer = writer;
        Reader = reader;
        _dispose = dispose;
    }

    /// <summary>Writes points.</summary>
    public IPointWriter Writer { get; }

    /// <summary>Reads them back.</summary>
    public IPointReader Reader { get; }

    /// <summary>Deletes a tenant's points before a cutoff (retention); the retention tests need it.</summary>
    public IPointDeleter? Deleter { get; init; }

    /// <summary>
    /// Whether a batch lands entirely or not at all (SQLite, PostgreSQL: one transaction per batch). When true the
    /// suite also checks that a failed or cancelled write left none of its values behind; when false it checks that
    /// retrying the batch gives the same data as one clean write (writes are idempotent upserts).
    /// </summary>
    public bool AtomicBatches { get; init; }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _dispose?.Invoke() ?? ValueTask.CompletedTask;
}
