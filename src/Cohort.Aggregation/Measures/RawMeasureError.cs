namespace Cohort.Aggregation;

/// <summary>Why a raw measure was refused: each is a client error (HTTP 400 in a service), never a server error.</summary>
public enum RawMeasureError
{
    /// <summary>No error: the measure is valid.</summary>
    None = 0,

    /// <summary>The text is not valid JSON.</summary>
    MalformedJson,

    /// <summary>The JSON is not an object.</summary>
    NotAnObject,

    /// <summary>A property that raw measures do not have.</summary>
    UnknownProperty,

    /// <summary><c>measureName</c> is missing, null, empty or not a string.</summary>
    MissingMeasureName,

    /// <summary><c>measureName</c> names no known definition.</summary>
    UnknownMeasure,

    /// <summary><c>value</c> is missing or null.</summary>
    MissingValue,

    /// <summary><c>value</c> is not a finite number.</summary>
    InvalidValue,

    /// <summary><c>startDate</c> is missing or not an ISO 8601 date or date-time.</summary>
    InvalidStartDate,

    /// <summary><c>createdBy</c> is missing, empty or not a string.</summary>
    MissingCreatedBy,

    /// <summary>A group is not an object with exactly one key whose value is a string, number or boolean.</summary>
    InvalidGroup,

    /// <summary>A group's key is not the key the definition gives that group.</summary>
    GroupKeyMismatch,

    /// <summary>A group is given while an earlier one is missing (group2 needs group1, group3 needs group2).</summary>
    GroupOutOfOrder,

    /// <summary>A group the definition has is missing.</summary>
    MissingGroup,

    /// <summary>A group is given that the definition does not have.</summary>
    UndefinedGroup,

    /// <summary><c>aggregationPeriod</c> is given and differs from the definition's.</summary>
    PeriodMismatch,
}
