namespace Cohort.Core;

/// <summary>The identity of a series: a measurement and its sorted tag set.</summary>
public sealed record SeriesKey
{
    /// <summary>Creates a series key.</summary>
    /// <exception cref="ArgumentException">The measurement is null or empty.</exception>
    public SeriesKey(string measurement, TagSet? tags = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(measurement);
        Measurement = measurement;
        Tags = tags ?? TagSet.Empty;
    }

    /// <summary>The measurement name.</summary>
    public string Measurement { get; }

    /// <summary>The tag set, sorted by key.</summary>
    public TagSet Tags { get; }

    /// <summary>
    /// The order stores return series in: by measurement, then by the tag set's canonical text
    /// (<see cref="TagSet.ToCanonicalString"/>), both compared ordinally (UTF-16 code units).
    /// </summary>
    public static IComparer<SeriesKey> StoreOrder { get; } = Comparer<SeriesKey>.Create(static (x, y) =>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var byMeasurement = string.CompareOrdinal(x.Measurement, y.Measurement);
        return byMeasurement != 0 ? byMeasurement : string.CompareOrdinal(x.Tags.ToCanonicalString(), y.Tags.ToCanonicalString());
    });

    /// <summary>The series as <c>measurement,key=value,...</c> (unescaped; for display).</summary>
    public override string ToString() => Tags.Count == 0 ? Measurement : Measurement + "," + Tags;
}
