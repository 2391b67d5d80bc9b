using Cohort.Core;

namespace Cohort.Ingestion.Decoding;

/// <summary>Reading the media type and the <c>precision</c> parameter of a message's content type.</summary>
internal static class ContentTypes
{
    /// <summary>The media type without its parameters, e.g. <c>text/plain</c> of <c>text/plain; precision=ms</c>.</summary>
    public static string MediaType(string contentType)
    {
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
    }

    /// <summary>The <c>precision</c> parameter (ns, us, ms or s; nanoseconds when absent), or a problem to report.</summary>
    public static TimestampPrecision Precision(string contentType, out string? problem)
    {
        problem = null;
        foreach (var parameter in contentType.Split(';').Skip(1))
        {
            var equals = parameter.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && parameter[..equals].Trim().Equals("precision", StringComparison.OrdinalIgnoreCase))
            {
                if (Timestamps.TryParsePrecision(parameter[(equals + 1)..].Trim(), out var precision))
                {
                    return precision;
                }

                problem = $"The content type's precision parameter must be ns, us, ms or s: '{contentType}'.";
            }
        }

        return TimestampPrecision.Nanoseconds;
    }
}
