using Cohort.Encryption;
using Cohort.StudyServer;
using Cohort.StudyServer.Health;
using Cohort.StudyServer.Keys;
using Cohort.StudyServer.Measures;
using Cohort.StudyServer.Participants;
using Cohort.StudyServer.Uploads;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the study server's services on top of Cohort.Encryption and Cohort.Aggregation.</summary>
public static class StudyServerServiceCollectionExtensions
{
    /// <summary>
    /// Registers the study server: options from <paramref name="configuration"/>'s <c>Study</c> section (validated at
    /// start), the key folder (missing keys generated at start) behind <c>AddCohortEncryption</c>, the DACC measure
    /// definitions of <c>Aggregation:DefinitionsPath</c> behind <c>AddCohortAggregation</c>, the upload queue and its
    /// background decryption, the aggregation schedule and the <c>study</c> health check.
    /// </summary>
    public static IServiceCollection AddCohortStudyServer(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<StudyServerOptions>()
            .Bind(configuration.GetSection(StudyServerOptions.SectionName))
            .Validate(static o => o.StudyId.Length > 0 && o.DataDirectory.Length > 0, "Study:StudyId and Study:DataDirectory are required.")
            .Validate(static o => o.AggregationInterval > TimeSpan.Zero, "Study:AggregationInterval must be positive.")
            .Validate(static o => o.Organisations.All(static t => t.Name.Length > 0 && t.Token.Length >= 16), "Every Study:Organisations entry needs a Name and a Token of 16 characters or more.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        // Keys: the study's folder, asked through Cohort.Encryption's composite provider. The initializer is the first
        // hosted service, so keys exist before anything reads one.
        services.AddHostedService<StudyKeyInitializer>();
        services.AddCohortEncryption();
        services.AddOptions<CohortEncryptionOptions>().Configure<IOptions<StudyServerOptions>>(
            static (encryption, study) => encryption.KeyDirectory = study.Value.ResolvedKeyDirectory);

        // Measures: DACC definitions from a JSON file (a relative path is read from the content root).
        string? definitions = configuration["Aggregation:DefinitionsPath"];
        services.AddCohortAggregation(o => o.DefinitionsPath = definitions is null ? null : Path.Combine(contentRoot, definitions));

        services.TryAddSingleton<StudyMetrics>();
        services.TryAddSingleton<ParticipantRegistry>();
        services.TryAddSingleton<UploadStore>();
        services.TryAddSingleton<OrganisationDirectory>();
        services.AddHostedService<UploadProcessor>();
        services.AddHostedService<AggregationScheduler>();
        services.AddProblemDetails();
        services.AddHealthChecks().AddCheck<StudyHealthCheck>("study");
        return services;
    }
}
