using System.Text.RegularExpressions;
using Cohort.StudyServer.Uploads;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Cohort.StudyServer.Participants;

/// <summary>The body of <c>POST /participants</c>.</summary>
/// <param name="ParticipantId">The identifier the study gave the participant (hashed before anything is stored).</param>
/// <param name="PhoneNumber">Optional; stored only as Beiwe's hash of its last ten digits.</param>
public sealed record RegistrationRequest(string? ParticipantId, string? PhoneNumber = null);

/// <summary>Registration, uploads and upload status: what a phone calls.</summary>
internal static partial class ParticipantEndpoints
{
    public static IEndpointRouteBuilder MapParticipants(this IEndpointRouteBuilder app)
    {
        app.MapPost("/participants", RegisterAsync);
        app.MapPost("/participants/{participantId}/uploads", UploadAsync);
        app.MapGet("/participants/{participantId}/uploads/{uploadId}", StatusAsync);
        return app;
    }

    private static async Task<IResult> RegisterAsync(RegistrationRequest? request, ParticipantRegistry registry, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request?.ParticipantId))
        {
            return Problems.BadRequest("participantId", "participantId is required.");
        }

        Registration registration = await registry.RegisterAsync(request.ParticipantId, request.PhoneNumber, cancellationToken);
        return Results.Created($"/participants/{Uri.EscapeDataString(request.ParticipantId)}", registration);
    }

    private static async Task<IResult> UploadAsync(
        string participantId,
        string? format,
        HttpContext context,
        ParticipantRegistry registry,
        UploadStore store,
        StudyMetrics metrics,
        IOptions<StudyServerOptions> options,
        CancellationToken cancellationToken)
    {
        UploadFormat? chosen = null;
        if (format is not null)
        {
            if (format is not ("beiwe" or "envelope"))
            {
                return Problems.BadRequest("format", "format must be 'beiwe' or 'envelope' (or absent: detected from the content).");
            }

            chosen = format == "beiwe" ? UploadFormat.Beiwe : UploadFormat.Envelope;
        }

        string? participant = await registry.AuthenticateAsync(participantId, BearerToken.Read(context.Request), cancellationToken);
        if (participant is null)
        {
            return Results.Unauthorized();
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.Value.MaxUploadBytes;   // Kestrel answers 413 beyond it
        }

        // Stored raw and acknowledged at once; decryption happens in the background (UploadProcessor).
        UploadJob job = await store.ReceiveAsync(participant, chosen, context.Request.Body, cancellationToken);
        metrics.UploadsAccepted.Add(1);
        string location = $"/participants/{Uri.EscapeDataString(participantId)}/uploads/{job.UploadId}";
        return Results.Accepted(location, new UploadStatus(job.UploadId, "pending", UploadStore.FormatName(job.Format)));
    }

    private static async Task<IResult> StatusAsync(string participantId, string uploadId, HttpContext context, ParticipantRegistry registry, UploadStore store, CancellationToken cancellationToken)
    {
        if (!UploadIdPattern().IsMatch(uploadId))
        {
            return Problems.BadRequest("uploadId", "uploadId is not an upload id this server issued.");
        }

        string? participant = await registry.AuthenticateAsync(participantId, BearerToken.Read(context.Request), cancellationToken);
        if (participant is null)
        {
            return Results.Unauthorized();
        }

        UploadStatus? status = await store.StatusAsync(participant, uploadId, cancellationToken);
        return status is null ? Results.NotFound() : Results.Ok(status);
    }

    [GeneratedRegex("^[0-9]{8}T[0-9]{9}-[0-9a-f]{8}$")]
    private static partial Regex UploadIdPattern();
}
