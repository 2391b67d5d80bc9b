using Microsoft.Extensions.Hosting;

namespace Cohort.Ingestion.Mqtt.Client;

/// <summary>Starts connecting when the host starts (without waiting for the broker) and disconnects when it stops.</summary>
internal sealed class MqttConnectionHostedService(MqttConnection connection) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        connection.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => connection.DisposeAsync().AsTask();
}
