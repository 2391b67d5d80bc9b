using Cohort.Core;

namespace Cohort.Formulas.Compilation;

/// <summary>Reads device fields from a store as numeric time series.</summary>
internal static class FieldSeriesReader
{
    /// <summary>
    /// Reads each field over the range. Points of every series of the device's measurement are merged; at equal
    /// timestamps the one read last wins. Non-numeric values (strings) are skipped; booleans count as 1 and 0.
    /// </summary>
    public static async ValueTask<Dictionary<FieldReference, TimeSeries>> ReadAsync(
        IPointReader reader, Tenant tenant, IEnumerable<FieldReference> fields, TimeRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var result = new Dictionary<FieldReference, TimeSeries>();
        foreach (var field in fields)
        {
            var samples = new List<KeyValuePair<long, double>>();
            await foreach (var point in reader.ReadAsync(tenant, field.ToQuery(range), cancellationToken).ConfigureAwait(false))
            {
                if (point[field.Field] is { } value && value.TryGetNumber(out var number))
                {
                    samples.Add(KeyValuePair.Create(point.Timestamp, number));
                }
            }

            result[field] = TimeSeries.FromSamples(samples);
        }

        return result;
    }
}
