using System.Collections.Immutable;
using System.Globalization;
using Cohort.Aggregation;
using Cohort.Core;

namespace Cohort.StudyServer.Measures;

/// <summary>DACC's API: <c>POST /measure</c> (a raw measure) and <c>GET /aggregate</c> (released aggregates).</summary>
internal static class MeasureEndpoints
{
    public static IEndpointRouteBuilder MapMeasures(this IEndpointRouteBuilder app)
    {
        app.MapPost("/measure", PostMeasureAsync);
        app.MapGet("/aggregate", GetAggregate);
        return app;
    }

    private static async Task<IResult> PostMeasureAsync(HttpRequest request, OrganisationDirectory organisations, MeasureAggregator aggregator, StudyMetrics metrics, CancellationToken cancellationToken)
    {
        (bool known, string? organisation) = organisations.Resolve(request);
        if (!known || organisation is null)
        {
            return Results.Unauthorized();
        }

        using MemoryStream body = new();
        await request.Body.CopyToAsync(body, cancellationToken);
        RawMeasureResult parsed = RawMeasureJson.Parse(body.GetBuffer().AsSpan(0, (int)body.Length), aggregator.Definitions);
        Rejection? rejection = parsed.Rejection;
        if (parsed.IsValid && aggregator.TryAdd(parsed.Measure!, out rejection))
        {
            metrics.MeasuresAccepted.Add(1);
            return Results.Created((string?)null, parsed.Measure);
        }

        metrics.MeasuresRejected.Add(1);
        return Problems.BadRequest(rejection?.Field, rejection?.Reason ?? "The raw measure was refused.", parsed.IsValid ? null : parsed.Error.ToString());
    }

    private static IResult GetAggregate(HttpRequest request, OrganisationDirectory organisations, MeasureAggregator aggregator)
    {
        (bool known, string? organisation) = organisations.Resolve(request);
        if (!known)
        {
            return Results.Unauthorized();
        }

        IQueryCollection q = request.Query;
        string? measure = q["measureName"];
        if (string.IsNullOrWhiteSpace(measure))
        {
            return Problems.BadRequest("measureName", "measureName is required.");
        }

        if (!TryDate(q["startDate"], out DateTimeOffset start))
        {
            return Problems.BadRequest("startDate", "startDate is required: a date (yyyy-MM-dd, UTC) or an ISO 8601 date-time.");
        }

        if (!TryDate(q["endDate"], out DateTimeOffset end) || end <= start)
        {
            return Problems.BadRequest("endDate", "endDate is required, after startDate (exclusive).");
        }

        ImmutableArray<int>.Builder wildcards = ImmutableArray.CreateBuilder<int>();
        foreach (string? part in q["wildcardGroups"].SelectMany(static v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int group) || group is < 1 or > 3)
            {
                return Problems.BadRequest("wildcardGroups", "wildcardGroups is a comma-separated list of 1, 2 and 3.");
            }

            wildcards.Add(group);
        }

        AggregateQuery query = new(measure, start, end)
        {
            CreatedBy = q["createdBy"],
            WildcardGroups = wildcards.ToImmutable(),
            Organisation = organisation,
        };
        try
        {
            return Results.Text(AggregateJson.Serialize(aggregator.Query(query)), "application/json");
        }
        catch (UnknownMeasureException e)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "Unknown measure", e.Message);
        }
        catch (MeasureAccessDeniedException e)
        {
            return Problems.Status(StatusCodes.Status403Forbidden, "Access denied", e.Message);
        }
        catch (PrivacyBudgetExhaustedException e)
        {
            return Problems.Status(StatusCodes.Status403Forbidden, "Privacy budget spent", e.Message);
        }
    }

    private static bool TryDate(string? text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
}
