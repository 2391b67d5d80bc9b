namespace Cohort.Encryption;

/// <summary>Options for <c>AddCohortEncryption</c>.</summary>
public sealed class CohortEncryptionOptions
{
    /// <summary>A folder read by a <see cref="PemFileKeyProvider"/>; none when null (the default).</summary>
    public string? KeyDirectory { get; set; }

    /// <summary>Whether an <see cref="EnvironmentKeyProvider"/> is asked (after the folder). Default true.</summary>
    public bool UseEnvironmentVariables { get; set; } = true;

    /// <summary>The environment variable prefix. Default <c>COHORT_KEY_</c>.</summary>
    public string EnvironmentPrefix { get; set; } = EnvironmentKeyProvider.DefaultPrefix;

    /// <summary>Chunk size and compression for objects written by <see cref="AtRestProtector"/>.</summary>
    public EnvelopeOptions AtRest { get; } = new();
}
