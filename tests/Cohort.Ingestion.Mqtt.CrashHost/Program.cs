using System.Globalization;
using Cohort.Core;
using Cohort.Ingestion;
using Cohort.Ingestion.Mqtt;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Usage: Cohort.Ingestion.Mqtt.CrashHost <buffer folder> <broker host> <broker port> <client id>
// A collector with a persistent MQTT session (topics cohort/{tenant}/{device}) whose only sink never confirms, so
// every message it acknowledges to the broker stays in its durable buffer. It prints "SEEN" for every message that
// reaches the pipeline, then runs until the test kills it.
var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
builder.Services.AddLogging();
builder.Services.AddCohortIngestion(o =>
    {
        o.BufferDirectory = args[0];
        o.Validation.MaxFutureSkew = null;
    })
    .AddSink(new NeverConfirmingSink(), "memory")
    .AddProcessor(new SeenPrinter())
    .AddMqttSource(o =>
    {
        o.Connection.Host = args[1];
        o.Connection.Port = int.Parse(args[2], CultureInfo.InvariantCulture);
        o.Connection.ClientId = args[3];
        o.Connection.SessionExpiry = TimeSpan.FromHours(1);
        o.Topics.Add(new MqttSourceTopic("cohort/{tenant}/{device}"));
    });
using var host = builder.Build();
await host.RunAsync();

/// <summary>A store that is never done writing: nothing is confirmed, so every acknowledged point stays in the durable log.</summary>
internal sealed class NeverConfirmingSink : IPointWriter
{
    private readonly TaskCompletionSource<WriteResult> _never = new();

    public ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default) =>
        new(_never.Task.WaitAsync(cancellationToken));
}

/// <summary>Tells the test how far the collector got (before the durable log: for timing the kill only).</summary>
internal sealed class SeenPrinter : IPointProcessor
{
    private static readonly Lock Gate = new();

    public ValueTask ProcessAsync(ProcessingContext context, CancellationToken cancellationToken = default)
    {
        lock (Gate)
        {
            Console.Out.WriteLine("SEEN " + context.Message.Tenant.Id);
            Console.Out.Flush();
        }

        return ValueTask.CompletedTask;
    }
}
