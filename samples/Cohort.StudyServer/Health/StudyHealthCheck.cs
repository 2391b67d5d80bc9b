using Cohort.Encryption;
using Cohort.StudyServer.Uploads;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Cohort.StudyServer.Health;

/// <summary>
/// Healthy when the study keys are readable and the data folder is writable; Degraded when the decryption backlog is
/// above <see cref="StudyServerOptions.BacklogWarning"/>. Reports the backlog and the problem count.
/// </summary>
internal sealed class StudyHealthCheck(IOptions<StudyServerOptions> options, CompositeKeyProvider keys, UploadStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        StudyServerOptions o = options.Value;
        Dictionary<string, object> data = new()
        {
            ["pendingUploads"] = store.Pending,
            ["problemUploads"] = CountProblems(o.DataDirectory),
        };
        try
        {
            if (await keys.GetPrivateKeyAsync(o.StudyId, cancellationToken).ConfigureAwait(false) is null ||
                await keys.GetSecretKeyAsync(o.MasterKeyId, cancellationToken: cancellationToken).ConfigureAwait(false) is null)
            {
                return HealthCheckResult.Unhealthy("A study key is missing.", data: data);
            }

            string probe = Path.Combine(o.DataDirectory, ".health-" + Guid.NewGuid().ToString("N"));
            await File.WriteAllBytesAsync(probe, [], cancellationToken).ConfigureAwait(false);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CohortCryptographyException)
        {
            return HealthCheckResult.Unhealthy(e.Message, data: data);
        }

        return store.Pending > o.BacklogWarning
            ? HealthCheckResult.Degraded("The decryption backlog is long.", data: data)
            : HealthCheckResult.Healthy("Keys readable, data folder writable.", data);
    }

    private static int CountProblems(string root)
    {
        string problems = Path.Combine(root, "problems");
        return Directory.Exists(problems) ? Directory.EnumerateFiles(problems, "*.json", SearchOption.AllDirectories).Count() : 0;
    }
}
