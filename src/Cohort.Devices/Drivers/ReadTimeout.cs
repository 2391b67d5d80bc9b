using Cohort.Devices.Configuration;

namespace Cohort.Devices.Drivers;

/// <summary>A device's read timeout, measured by the <see cref="TimeProvider"/> and linked to the caller's token.</summary>
internal sealed class ReadTimeout : IDisposable
{
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;
    private readonly CancellationToken _caller;

    public ReadTimeout(DeviceConfiguration device, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        Device = device;
        _caller = cancellationToken;
        _timeout = new CancellationTokenSource(device.Timeout, timeProvider);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timeout.Token);
    }

    public DeviceConfiguration Device { get; }

    /// <summary>Cancelled when the caller cancels or the timeout elapses.</summary>
    public CancellationToken Token => _linked.Token;

    /// <summary>Whether a cancellation came from the timeout rather than from the caller.</summary>
    public bool TimedOut => _timeout.IsCancellationRequested && !_caller.IsCancellationRequested;

    public DeviceException TimeoutException() =>
        new(Device.Name, $"no answer within {Device.TimeoutMs} ms", isTransient: true);

    public void Dispose()
    {
        _linked.Dispose();
        _timeout.Dispose();
    }
}
