namespace Cohort.Devices.Configuration;

/// <summary>One thing wrong in a device configuration, named by its JSON path.</summary>
/// <param name="Path">The JSON path of the bad property (<c>$.devices[2].fields[0].register</c>), or relative to a device when a driver reports it.</param>
/// <param name="Message">What is wrong (<c>must be between 0 and 65535</c>).</param>
public readonly record struct ConfigurationProblem(string Path, string Message)
{
    /// <summary>The problem as <c>path: message</c>.</summary>
    public override string ToString() => Path + ": " + Message;
}
