using System.Collections.Immutable;
using Cohort.Core;

namespace Cohort.Devices;

/// <summary>One reading of one device: the values of its fields at one time.</summary>
/// <param name="DeviceName">The device's unique name in its house configuration.</param>
/// <param name="Timestamp">When the device was read, in Unix nanoseconds (taken from the <see cref="TimeProvider"/>).</param>
/// <param name="Fields">The field values read, in the order the configuration lists them.</param>
public sealed record DeviceReading(string DeviceName, long Timestamp, ImmutableArray<Field> Fields)
{
    /// <summary>The reading time as a <see cref="DateTimeOffset"/> (UTC).</summary>
    public DateTimeOffset Time => Timestamps.ToDateTimeOffset(Timestamp);

    /// <summary>The value of the field with the given name, or <see langword="null"/> when the reading has none.</summary>
    /// <param name="fieldName">The field name.</param>
    public FieldValue? this[string fieldName]
    {
        get
        {
            foreach (var field in Fields)
            {
                if (string.Equals(field.Key, fieldName, StringComparison.Ordinal))
                {
                    return field.Value;
                }
            }

            return null;
        }
    }
}
