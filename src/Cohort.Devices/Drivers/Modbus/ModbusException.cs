namespace Cohort.Devices.Drivers.Modbus;

/// <summary>Modbus exception codes (Modbus application protocol v1.1b3, section 7).</summary>
public enum ModbusExceptionCode : byte
{
    /// <summary>No exception code (an exception created without one).</summary>
    None = 0,

    /// <summary>The function code is not supported by the server.</summary>
    IllegalFunction = 1,

    /// <summary>The register address (or address + count) is not allowed by the server.</summary>
    IllegalDataAddress = 2,

    /// <summary>A value in the request is not allowed (such as the register count).</summary>
    IllegalDataValue = 3,

    /// <summary>The server failed while performing the action.</summary>
    ServerDeviceFailure = 4,

    /// <summary>The server accepted a long request and is still processing it.</summary>
    Acknowledge = 5,

    /// <summary>The server is busy; try again later.</summary>
    ServerDeviceBusy = 6,

    /// <summary>The server found a parity error in its memory.</summary>
    MemoryParityError = 8,

    /// <summary>A gateway could not route the request.</summary>
    GatewayPathUnavailable = 10,

    /// <summary>A gateway got no answer from the target unit.</summary>
    GatewayTargetDeviceFailedToRespond = 11,
}

/// <summary>
/// A Modbus server answered with an exception response. Busy, acknowledge and gateway codes are transient; the
/// others (illegal function, address or value, device failure) are not. Malformed frames are plain <see cref="DeviceException"/>s.
/// </summary>
public sealed class ModbusException : DeviceException
{
    /// <summary>Creates an exception without details.</summary>
    public ModbusException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public ModbusException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public ModbusException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for an exception response.</summary>
    /// <param name="deviceName">The device read.</param>
    /// <param name="functionCode">The function code of the request (3 or 4).</param>
    /// <param name="exceptionCode">The exception code the server answered.</param>
    public ModbusException(string deviceName, byte functionCode, ModbusExceptionCode exceptionCode)
        : base(deviceName, $"Modbus exception {(byte)exceptionCode} ({exceptionCode}) for function {functionCode}", IsTransientCode(exceptionCode))
    {
        FunctionCode = functionCode;
        ExceptionCode = exceptionCode;
    }

    /// <summary>The function code of the request that failed.</summary>
    public byte FunctionCode { get; }

    /// <summary>The exception code the server answered.</summary>
    public ModbusExceptionCode ExceptionCode { get; }

    private static bool IsTransientCode(ModbusExceptionCode code) => code is ModbusExceptionCode.Acknowledge
        or ModbusExceptionCode.ServerDeviceBusy or ModbusExceptionCode.GatewayPathUnavailable
        or ModbusExceptionCode.GatewayTargetDeviceFailedToRespond;
}
