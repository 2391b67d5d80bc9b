namespace Cohort.StudyServer;

/// <summary>RFC 9457 problem responses that name the field at fault.</summary>
internal static class Problems
{
    /// <summary>A 400 whose <c>field</c> extension names the offending field (a JSON property or query parameter).</summary>
    public static IResult BadRequest(string? field, string detail, string? error = null) =>
        Results.Problem(
            detail: detail,
            statusCode: StatusCodes.Status400BadRequest,
            title: "Bad request",
            extensions: new Dictionary<string, object?> { ["field"] = field, ["error"] = error });

    /// <summary>A problem with another status code.</summary>
    public static IResult Status(int statusCode, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: statusCode, title: title);
}
