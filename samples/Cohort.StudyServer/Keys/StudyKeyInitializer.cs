using Microsoft.Extensions.Options;

namespace Cohort.StudyServer.Keys;

/// <summary>Creates missing study keys when the host starts (registered first, so before anything reads a key).</summary>
internal sealed partial class StudyKeyInitializer(IOptions<StudyServerOptions> options, ILogger<StudyKeyInitializer> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.Value.DataDirectory);
        foreach (string created in StudyKeys.EnsureCreated(options.Value))
        {
            LogGenerated(created, options.Value.ResolvedKeyDirectory);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Generated the study key '{KeyId}' in {Directory}: back this folder up")]
    private partial void LogGenerated(string keyId, string directory);
}
