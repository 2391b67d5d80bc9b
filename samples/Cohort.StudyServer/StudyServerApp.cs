using System.Text.Json;
using Cohort.StudyServer.Measures;
using Cohort.StudyServer.Participants;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cohort.StudyServer;

/// <summary>Composes the study server: the recipe a team copies into its own host.</summary>
public static class StudyServerApp
{
    /// <summary>Builds the application from command-line arguments and configuration (sections <c>Study</c>, <c>Aggregation</c>).</summary>
    public static WebApplication Create(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        builder.Services.AddCohortStudyServer(builder.Configuration, builder.Environment.ContentRootPath);

        WebApplication app = builder.Build();
        app.UseStatusCodePages();
        app.MapParticipants();                        // POST /participants, POST+GET /participants/{id}/uploads
        app.MapMeasures();                            // POST /measure, GET /aggregate
        app.MapHealthChecks("/status", new HealthCheckOptions { ResponseWriter = WriteHealthAsync });
        return app;
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(static e => new { name = e.Key, status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }),
        }, cancellationToken: context.RequestAborted);
    }
}
