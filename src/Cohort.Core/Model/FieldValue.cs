using System.Globalization;
using System.Runtime.InteropServices;

namespace Cohort.Core;

/// <summary>
/// A typed field value: a double, a signed or unsigned 64-bit integer, a boolean or a string.
/// Numbers are stored in 8 bytes without boxing; only strings hold a reference.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly struct FieldValue : IEquatable<FieldValue>
{
    private readonly long _bits;
    private readonly string? _string;

    private FieldValue(FieldKind kind, long bits, string? text)
    {
        Kind = kind;
        _bits = bits;
        _string = text;
    }

    /// <summary>The type of this value.</summary>
    public FieldKind Kind { get; }

    /// <summary>Creates a floating point value.</summary>
    public static FieldValue FromDouble(double value) => new(FieldKind.Double, BitConverter.DoubleToInt64Bits(value), null);

    /// <summary>Creates a signed integer value.</summary>
    public static FieldValue FromInt64(long value) => new(FieldKind.Int64, value, null);

    /// <summary>Creates an unsigned integer value.</summary>
    public static FieldValue FromUInt64(ulong value) => new(FieldKind.UInt64, unchecked((long)value), null);

    /// <summary>Creates a boolean value.</summary>
    public static FieldValue FromBoolean(bool value) => new(FieldKind.Boolean, value ? 1 : 0, null);

    /// <summary>Creates a string value.</summary>
    public static FieldValue FromString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(FieldKind.String, 0, value);
    }

    /// <summary>Rebuilds a value from its kind and the raw 64 bits a columnar batch stores.</summary>
    public static FieldValue FromRaw(FieldKind kind, long bits, string? text) => kind switch
    {
        FieldKind.String => FromString(text ?? throw new ArgumentNullException(nameof(text))),
        FieldKind.Boolean => FromBoolean(bits != 0),
        FieldKind.Double or FieldKind.Int64 or FieldKind.UInt64 => new(kind, bits, null),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown field kind."),
    };

    /// <summary>The raw 64 bits: double bits, the integer, or 0/1 for booleans; 0 for strings.</summary>
    public long RawBits => _bits;

    /// <summary>The value as a double. Throws when <see cref="Kind"/> is not <see cref="FieldKind.Double"/>.</summary>
    public double AsDouble() => Kind == FieldKind.Double ? BitConverter.Int64BitsToDouble(_bits) : throw WrongKind(FieldKind.Double);

    /// <summary>The value as a signed integer. Throws when <see cref="Kind"/> is not <see cref="FieldKind.Int64"/>.</summary>
    public long AsInt64() => Kind == FieldKind.Int64 ? _bits : throw WrongKind(FieldKind.Int64);

    /// <summary>The value as an unsigned integer. Throws when <see cref="Kind"/> is not <see cref="FieldKind.UInt64"/>.</summary>
    public ulong AsUInt64() => Kind == FieldKind.UInt64 ? unchecked((ulong)_bits) : throw WrongKind(FieldKind.UInt64);

    /// <summary>The value as a boolean. Throws when <see cref="Kind"/> is not <see cref="FieldKind.Boolean"/>.</summary>
    public bool AsBoolean() => Kind == FieldKind.Boolean ? _bits != 0 : throw WrongKind(FieldKind.Boolean);

    /// <summary>The value as a string. Throws when <see cref="Kind"/> is not <see cref="FieldKind.String"/>.</summary>
    public string AsString() => Kind == FieldKind.String ? _string! : throw WrongKind(FieldKind.String);

    /// <summary>
    /// The value as a number for arithmetic (formulas, aggregation): doubles as they are, integers converted,
    /// booleans as 1 or 0. Returns <see langword="false"/> for strings.
    /// </summary>
    public bool TryGetNumber(out double number)
    {
        switch (Kind)
        {
            case FieldKind.Double: number = BitConverter.Int64BitsToDouble(_bits); return true;
            case FieldKind.Int64: number = _bits; return true;
            case FieldKind.UInt64: number = unchecked((ulong)_bits); return true;
            case FieldKind.Boolean: number = _bits != 0 ? 1 : 0; return true;
            default: number = double.NaN; return false;
        }
    }

    /// <inheritdoc />
    public bool Equals(FieldValue other) =>
        Kind == other.Kind && _bits == other._bits && string.Equals(_string, other._string, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is FieldValue other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, _bits, _string is null ? 0 : StringComparer.Ordinal.GetHashCode(_string));

    /// <summary>Compares two values for equality of kind and content (doubles by their bits).</summary>
    public static bool operator ==(FieldValue left, FieldValue right) => left.Equals(right);

    /// <summary>Compares two values for inequality.</summary>
    public static bool operator !=(FieldValue left, FieldValue right) => !left.Equals(right);

    /// <summary>Creates a floating point value.</summary>
    public static implicit operator FieldValue(double value) => FromDouble(value);

    /// <summary>Creates a signed integer value.</summary>
    public static implicit operator FieldValue(long value) => FromInt64(value);

    /// <summary>Creates an unsigned integer value.</summary>
    public static implicit operator FieldValue(ulong value) => FromUInt64(value);

    /// <summary>Creates a boolean value.</summary>
    public static implicit operator FieldValue(bool value) => FromBoolean(value);

    /// <summary>Creates a string value.</summary>
    public static implicit operator FieldValue(string value) => FromString(value);

    /// <summary>A readable form for logs and debugging: <c>1.5</c>, <c>42i</c>, <c>42u</c>, <c>true</c>, <c>"text"</c>.</summary>
    public override string ToString() => Kind switch
    {
        FieldKind.Double => BitConverter.Int64BitsToDouble(_bits).ToString("R", CultureInfo.InvariantCulture),
        FieldKind.Int64 => _bits.ToString(CultureInfo.InvariantCulture) + "i",
        FieldKind.UInt64 => unchecked((ulong)_bits).ToString(CultureInfo.InvariantCulture) + "u",
        FieldKind.Boolean => _bits != 0 ? "true" : "false",
        _ => "\"" + _string + "\"",
    };

    private InvalidOperationException WrongKind(FieldKind wanted) =>
        new($"The field value is {Kind}, not {wanted}.");
}
