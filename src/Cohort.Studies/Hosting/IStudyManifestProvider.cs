using Cohort.Studies.Manifest;

namespace Cohort.Studies.Hosting;

/// <summary>The manifest a host runs (registered by <c>AddCohortStudy</c>).</summary>
public interface IStudyManifestProvider
{
    /// <summary>The manifest the host was configured from.</summary>
    StudyManifest Current { get; }

    /// <summary>The manifest as indented JSON (<see cref="StudyManifest.ToJson"/>); reading it back gives an equal manifest.</summary>
    string ExportJson();
}

internal sealed class StudyManifestProvider(StudyManifest manifest) : IStudyManifestProvider
{
    public StudyManifest Current { get; } = manifest;

    public string ExportJson() => Current.ToJson();
}
