using Cohort.Core;

namespace Cohort.Devices.Configuration;

/// <summary>A device configuration is invalid; <see cref="Problems"/> names every bad property by its JSON path.</summary>
public sealed class DeviceConfigurationException : CohortException
{
    /// <summary>Creates an exception without problems.</summary>
    public DeviceConfigurationException()
    {
        Problems = [];
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public DeviceConfigurationException(string message)
        : base(message)
    {
        Problems = [];
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public DeviceConfigurationException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Problems = [];
    }

    /// <summary>Creates an exception listing the problems found.</summary>
    /// <param name="problems">Every problem, by JSON path.</param>
    public DeviceConfigurationException(IReadOnlyList<ConfigurationProblem> problems)
        : base(Describe(problems))
    {
        Problems = problems;
    }

    /// <summary>Every problem found, each with the JSON path of the bad property.</summary>
    public IReadOnlyList<ConfigurationProblem> Problems { get; }

    private static string Describe(IReadOnlyList<ConfigurationProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return "The device configuration is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, problems);
    }
}
