using System.Diagnostics.CodeAnalysis;

namespace Cohort.Core;

/// <summary>
/// A reference to one field of one device, written <c>device.field</c>: the first dot splits the device from the
/// field, so <c>egauge.A.Battery</c> is field <c>A.Battery</c> of device <c>egauge</c>. Formulas bind these to series.
/// </summary>
/// <remarks>
/// In a store, a device's readings are the points of the measurement named after the device, in the tenant's data
/// (see <see cref="ToQuery"/>): device <c>egauge</c> field <c>A.Battery</c> is field <c>A.Battery</c> of measurement
/// <c>egauge</c>.
/// </remarks>
/// <param name="Device">The device name (the measurement); never empty.</param>
/// <param name="Field">The field key; never empty, may contain dots.</param>
public readonly record struct FieldReference(string Device, string Field)
{
    /// <summary>Parses <c>device.field</c>.</summary>
    /// <exception cref="FormatException">There is no dot, or the device or field part is empty.</exception>
    public static FieldReference Parse(string text) =>
        TryParse(text, out var reference) ? reference : throw new FormatException($"'{text}' is not a field reference of the form device.field.");

    /// <summary>Parses <c>device.field</c>, returning false when it is not of that form.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out FieldReference reference)
    {
        var dot = text?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (text is null || dot <= 0 || dot == text.Length - 1)
        {
            reference = default;
            return false;
        }

        reference = new FieldReference(text[..dot], text[(dot + 1)..]);
        return true;
    }

    /// <summary>The query that reads this field over a time range.</summary>
    public PointQuery ToQuery(TimeRange range) => new(range) { Measurement = Device, Fields = [Field] };

    /// <summary><c>device.field</c>.</summary>
    public override string ToString() => Device + "." + Field;
}
