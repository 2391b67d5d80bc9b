using System.Collections.Immutable;
using Cohort.Core;

namespace Cohort.Studies.Manifest;

/// <summary>A manifest that cannot be used: every problem with its JSON path (<c>Rejection.Field</c>) and reason.</summary>
public sealed class StudyManifestException : CohortException
{
    /// <summary>Creates the exception.</summary>
    public StudyManifestException()
        : this("The study manifest is invalid.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StudyManifestException(string message)
        : base(message) => Problems = [new Rejection(message) { Field = "$" }];

    /// <summary>Creates the exception with a message and its cause.</summary>
    public StudyManifestException(string message, Exception? innerException)
        : base(message, innerException) => Problems = [new Rejection(message) { Field = "$" }];

    /// <summary>Creates the exception from the problems found.</summary>
    public StudyManifestException(IEnumerable<Rejection> problems)
        : this([.. problems], 0)
    {
    }

    private StudyManifestException(ImmutableArray<Rejection> problems, int unused)
        : base($"The study manifest has {problems.Length} problem(s): " + string.Join("; ", problems.Take(5)))
    {
        _ = unused;
        Problems = problems;
    }

    /// <summary>The problems: <c>ToString()</c> gives <c>&lt;json-path&gt;: &lt;reason&gt;</c>.</summary>
    public ImmutableArray<Rejection> Problems { get; }
}
