using System.Collections.Immutable;

namespace Cohort.Core;

/// <summary>
/// One measurement at one instant: a series (measurement + sorted tags), one or more typed fields and a timestamp
/// in Unix nanoseconds. Writing the same series and timestamp again merges the fields, newest value winning.
/// </summary>
public sealed record Point
{
    /// <summary>Creates a point.</summary>
    /// <exception cref="ArgumentException">No field, an empty field key, or a field key given twice.</exception>
    public Point(SeriesKey series, IEnumerable<Field> fields, long timestamp)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(fields);
        var array = fields.ToImmutableArray();
        if (array.IsEmpty)
        {
            throw new ArgumentException("A point needs at least one field.", nameof(fields));
        }

        for (var i = 0; i < array.Length; i++)
        {
            var key = array[i].Key;
            if (string.IsNullOrEmpty(key))
            {
                throw new ArgumentException("A field key must not be empty.", nameof(fields));
            }

            // Points have a handful of fields: a pairwise check is cheaper than a hash set.
            for (var j = 0; j < i; j++)
            {
                if (string.Equals(array[j].Key, key, StringComparison.Ordinal))
                {
                    throw new ArgumentException($"The field '{key}' is given twice.", nameof(fields));
                }
            }
        }

        Series = series;
        Fields = array;
        Timestamp = timestamp;
    }

    /// <summary>Creates a point from a measurement, tags, fields and a timestamp.</summary>
    public Point(string measurement, TagSet tags, IEnumerable<Field> fields, long timestamp)
        : this(new SeriesKey(measurement, tags), fields, timestamp)
    {
    }

    /// <summary>Creates a point with one field.</summary>
    public Point(string measurement, TagSet tags, string field, FieldValue value, long timestamp)
        : this(new SeriesKey(measurement, tags), [new Field(field, value)], timestamp)
    {
    }

    /// <summary>The series this point belongs to.</summary>
    public SeriesKey Series { get; }

    /// <summary>The measurement name.</summary>
    public string Measurement => Series.Measurement;

    /// <summary>The sorted tag set.</summary>
    public TagSet Tags => Series.Tags;

    /// <summary>The fields in the order they were given; keys are unique.</summary>
    public ImmutableArray<Field> Fields { get; }

    /// <summary>Unix time in nanoseconds.</summary>
    public long Timestamp { get; }

    /// <summary>The value of a field, or <see langword="null"/> when this point lacks it.</summary>
    public FieldValue? this[string fieldKey]
    {
        get
        {
            foreach (var field in Fields)
            {
                if (string.Equals(field.Key, fieldKey, StringComparison.Ordinal))
                {
                    return field.Value;
                }
            }

            return null;
        }
    }

    /// <inheritdoc />
    public bool Equals(Point? other) =>
        other is not null && Timestamp == other.Timestamp && Series.Equals(other.Series) && Fields.SequenceEqual(other.Fields);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Series, Timestamp, Fields.Length);
}
