using Microsoft.Extensions.Hosting;

namespace Cohort.Ingestion.Mqtt.Broker;

/// <summary>Runs the embedded broker with the host: it listens before the hosted services registered after it start.</summary>
internal sealed class EmbeddedBrokerHostedService(EmbeddedMqttBroker broker) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => broker.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => broker.StopAsync(cancellationToken);
}
