using Cohort.Core;

namespace Cohort.Devices;

/// <summary>A device could not be read (unreachable, timed out, answered with an error or with data that cannot be decoded).</summary>
public class DeviceException : CohortException
{
    private readonly bool _isTransient;

    /// <summary>Creates an exception without details.</summary>
    public DeviceException()
    {
    }

    /// <summary>Creates a permanent exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public DeviceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates a permanent exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public DeviceException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for a device.</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="isTransient">Whether trying again later may succeed.</param>
    /// <param name="innerException">The cause, if any.</param>
    public DeviceException(string deviceName, string message, bool isTransient, Exception? innerException = null)
        : base($"Device '{deviceName}': {message}", innerException)
    {
        DeviceName = deviceName;
        _isTransient = isTransient;
    }

    /// <summary>The device's name, when known.</summary>
    public string? DeviceName { get; }

    /// <inheritdoc />
    public override bool IsTransient => _isTransient;
}
