namespace Cohort.Core;

#pragma warning disable CA1720 // The kinds are named after the CLR types they hold, on purpose.

/// <summary>The type of a field value, as InfluxDB line protocol distinguishes them.</summary>
public enum FieldKind : byte
{
    /// <summary>A 64-bit IEEE 754 floating point number (line protocol: <c>1.5</c>, <c>1e3</c>).</summary>
    Double = 0,

    /// <summary>A signed 64-bit integer (line protocol: <c>42i</c>).</summary>
    Int64 = 1,

    /// <summary>An unsigned 64-bit integer (line protocol: <c>42u</c>).</summary>
    UInt64 = 2,

    /// <summary>A boolean (line protocol: <c>t</c>, <c>true</c>, <c>F</c>, ...).</summary>
    Boolean = 3,

    /// <summary>A UTF-16 string (line protocol: <c>"text"</c>).</summary>
    String = 4,
}
