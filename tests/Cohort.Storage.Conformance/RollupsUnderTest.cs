using Cohort.Core;

namespace Cohort.Storage.Conformance;

/// <summary>
/// A rollup backend the rollup suite runs against: the writer that keeps its rollups maintained (a store's own
/// writer, or one that notifies an in-process engine), the manager and reader of its rollups, and how to refresh
/// them (materialise up to now minus the backend's refresh lag of one hour).
/// </summary>
public sealed class RollupsUnderTest : IAsyncDisposable
{
    private readonly Func<ValueTask>? _dispose;

    /// <summary>Creates the backend under test.</summary>
    public RollupsUnderTest(IPointWriter writer, IRollupManager manager, IRollupReader reader, Func<CancellationToken, ValueTask> refresh, Func<ValueTask>? dispose = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(refresh);
        Writer = writer;
        Manager = manager;
        Reader = reader;
        Refresh = refresh;
        _dispose = dispose;
    }

    /// <summary>Writes points (and keeps the rollups maintained).</summary>
    public IPointWriter Writer { get; }

    /// <summary>Creates and drops rollups.</summary>
    public IRollupManager Manager { get; }

    /// <summary>The real-time view of the rollups.</summary>
    public IRollupReader Reader { get; }

    /// <summary>Deletes a tenant's raw points before a cutoff (retention); the purge test needs it.</summary>
    public IPointDeleter? Deleter { get; init; }

    /// <summary>Materialises every rollup up to the bucket holding now minus one hour.</summary>
    public Func<CancellationToken, ValueTask> Refresh { get; }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _dispose?.Invoke() ?? ValueTask.CompletedTask;
}
