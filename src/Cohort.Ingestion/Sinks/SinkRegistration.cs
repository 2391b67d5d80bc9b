using Cohort.Core;

namespace Cohort.Ingestion.Sinks;

/// <summary>A sink added through <see cref="Microsoft.Extensions.DependencyInjection.IngestionBuilder"/>: a stable name and how to get its writer.</summary>
internal sealed record SinkRegistration(string Name, Func<IServiceProvider, IPointWriter> Factory)
{
    /// <summary>Whether a sink name is usable as a checkpoint file name.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 100 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && name[0] != '.';
}
