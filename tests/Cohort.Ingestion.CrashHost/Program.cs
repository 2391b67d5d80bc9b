using System.Globalization;
using System.Text;
using Cohort.Core;
using Cohort.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Usage: Cohort.Ingestion.CrashHost <buffer folder> <messages>
// Ingests <messages> JSON messages of 10 points each (values 10*i .. 10*i+9) into a pipeline whose only sink never
// confirms, printing "ACK <i>" after each acknowledgement, then waits to be killed. Whatever was acknowledged must
// reach the sink of the next process that opens the same folder.
var folder = args[0];
var messages = int.Parse(args[1], CultureInfo.InvariantCulture);

var services = new ServiceCollection();
services.AddLogging();
services.AddCohortIngestion(o => o.BufferDirectory = folder).AddSink(new NeverConfirmingSink(), "store");
await using var provider = services.BuildServiceProvider();
foreach (var hosted in provider.GetServices<IHostedService>())
{
    await hosted.StartAsync(CancellationToken.None);
}

var ingestor = provider.GetRequiredService<IIngestor>();
var tenant = new Tenant("house-1");
for (var i = 0; i < messages; i++)
{
    var json = new StringBuilder("[");
    for (var j = 0; j < 10; j++)
    {
        var n = (i * 10) + j;
        json.Append(j > 0 ? "," : string.Empty)
            .Append(CultureInfo.InvariantCulture, $"{{\"measurement\":\"crash\",\"fields\":{{\"n\":{n}}},\"timestamp\":{n + 1}}}");
    }

    var ack = await ingestor.IngestAsync(new IngestMessage(tenant, "crash-host", "application/json", Encoding.UTF8.GetBytes(json.Append(']').ToString()), DateTimeOffset.UnixEpoch));
    if (ack.Accepted == 10)
    {
        Console.Out.WriteLine("ACK " + i.ToString(CultureInfo.InvariantCulture));
        Console.Out.Flush();
    }
}

Console.Out.WriteLine("DONE");
Console.Out.Flush();
await Task.Delay(Timeout.Infinite);

/// <summary>A sink that never confirms anything, so every acknowledged point stays in the durable buffer.</summary>
internal sealed class NeverConfirmingSink : IPointWriter
{
    public async ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        return WriteResult.Success(batch.ValueCount);
    }
}
