using Cohort.Core;
using Cohort.Ingestion;
using Cohort.Ingestion.DeadLetters;
using Cohort.Ingestion.Decoding;
using Cohort.Ingestion.Diagnostics;
using Cohort.Ingestion.Pipeline;
using Cohort.Ingestion.Processing;
using Cohort.Ingestion.Sinks;
using Cohort.Ingestion.Tenancy;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using System.Diagnostics.Metrics;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Cohort ingestion pipeline.</summary>
public static class IngestionServiceCollectionExtensions
{
    /// <summary>
    /// Adds the ingestion pipeline (JSON decoder, validation, enrichment, durable log, file dead-letter store, a hosted
    /// service that runs it) and returns a builder to add sinks, decoders, processors and sources. Options are
    /// validated when the host starts.
    /// </summary>
    public static IngestionBuilder AddCohortIngestion(this IServiceCollection services, Action<IngestionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<IngestionOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IngestionOptions>, IngestionOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new IngestionMetrics(sp.GetService<IMeterFactory>() ?? new StandaloneMeterFactory()));
        services.TryAddSingleton<ITenantAuthorizer, OptionsTenantAuthorizer>();
        services.TryAddSingleton<IDeadLetterStore>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<IngestionOptions>>().Value;
            return new FileDeadLetterStore(o.DeadLetterPath ?? Path.Combine(o.BufferDirectory, "dead-letters.jsonl"));
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPayloadDecoder, JsonPayloadDecoder>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPayloadDecoder, LineProtocolPayloadDecoder>());
        services.TryAddSingleton<EnrichmentProcessor>();
        services.TryAddSingleton<ValidationProcessor>();
        services.TryAddSingleton<DerivationProcessor>();
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<IngestionOptions>>().Value;
            var processors = new List<IPointProcessor>();
            var enrichment = sp.GetRequiredService<EnrichmentProcessor>();
            if (enrichment.IsActive)
            {
                processors.Add(enrichment);
            }

            var validation = sp.GetRequiredService<ValidationProcessor>();
            if (validation.IsActive)
            {
                processors.Add(validation);
            }

            processors.AddRange(sp.GetServices<IPointProcessor>());
            var derivation = sp.GetRequiredService<DerivationProcessor>();
            if (derivation.IsActive)
            {
                processors.Add(derivation);
            }

            var sinks = sp.GetServices<SinkRegistration>().Select(s => (s.Name, s.Factory(sp))).ToList();
            return new IngestionPipeline(
                o,
                sp.GetServices<IPayloadDecoder>(),
                processors,
                sinks,
                sp.GetRequiredService<IDeadLetterStore>(),
                sp.GetRequiredService<ITenantAuthorizer>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<IngestionMetrics>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("Cohort.Ingestion"));
        });
        services.TryAddSingleton<IIngestor>(sp => sp.GetRequiredService<IngestionPipeline>());
        services.TryAddSingleton(sp => new IngestionHealth(sp.GetRequiredService<IngestionPipeline>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, IngestionHostedService>());
        return new IngestionBuilder(services);
    }
}

/// <summary>Adds sinks, decoders, processors, derivers and sources to the ingestion pipeline.</summary>
public sealed class IngestionBuilder
{
    internal IngestionBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Adds a sink resolved from the container, named after its type (see <see cref="AddSink{T}(string)"/>).</summary>
    public IngestionBuilder AddSink<T>()
        where T : class, IPointWriter => AddSink<T>(typeof(T).Name);

    /// <summary>
    /// Adds a sink resolved from the container. Its <paramref name="name"/> names its checkpoint, so it must stay the
    /// same across restarts and be unique (letters, digits, <c>-</c>, <c>_</c>, <c>.</c>).
    /// </summary>
    public IngestionBuilder AddSink<T>(string name)
        where T : class, IPointWriter
    {
        ArgumentNullException.ThrowIfNull(name);
        Services.TryAddSingleton<T>();
        Services.AddSingleton(new SinkRegistration(name, sp => sp.GetRequiredService<T>()));
        return this;
    }

    /// <summary>Adds a sink instance, named after its type (see <see cref="AddSink{T}(string)"/>).</summary>
    public IngestionBuilder AddSink(IPointWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return AddSink(writer, writer.GetType().Name);
    }

    /// <summary>Adds a sink instance under a stable, unique name (see <see cref="AddSink{T}(string)"/>).</summary>
    public IngestionBuilder AddSink(IPointWriter writer, string name)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(name);
        Services.AddSingleton(new SinkRegistration(name, _ => writer));
        return this;
    }

    /// <summary>Adds a sink built by a factory under a stable, unique name.</summary>
    public IngestionBuilder AddSink(string name, Func<IServiceProvider, IPointWriter> factory)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(factory);
        Services.AddSingleton(new SinkRegistration(name, factory));
        return this;
    }

    /// <summary>Adds a payload decoder; decoders are tried in the order added, after none (JSON is built in and tried first).</summary>
    public IngestionBuilder AddDecoder(IPayloadDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        Services.AddSingleton(decoder);
        return this;
    }

    /// <summary>Adds a payload decoder resolved from the container.</summary>
    public IngestionBuilder AddDecoder<T>()
        where T : class, IPayloadDecoder
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPayloadDecoder, T>());
        return this;
    }

    /// <summary>Adds a processor; processors run in the order added, after enrichment and validation.</summary>
    public IngestionBuilder AddProcessor(IPointProcessor processor)
    {
        ArgumentNullException.ThrowIfNull(processor);
        Services.AddSingleton(processor);
        return this;
    }

    /// <summary>Adds a processor resolved from the container.</summary>
    public IngestionBuilder AddProcessor<T>()
        where T : class, IPointProcessor
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPointProcessor, T>());
        return this;
    }

    /// <summary>Adds a deriver: it runs after every processor and what it adds is stored with the message's points.</summary>
    public IngestionBuilder AddDeriver(IPointDeriver deriver)
    {
        ArgumentNullException.ThrowIfNull(deriver);
        Services.AddSingleton(deriver);
        return this;
    }

    /// <summary>Adds a deriver from a delegate <c>(message, input, output) =&gt; ...</c> that adds derived points to <c>output</c>.</summary>
    public IngestionBuilder AddDeriver(Action<IngestMessage, PointBatch, PointBatch> derive)
    {
        ArgumentNullException.ThrowIfNull(derive);
        Services.AddSingleton<IPointDeriver>(new DelegateDeriver(derive));
        return this;
    }

    /// <summary>Adds a message source the host runs (an MQTT subscriber, a folder watcher).</summary>
    public IngestionBuilder AddSource<T>()
        where T : class, IIngestSource
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IIngestSource, T>());
        return this;
    }

    /// <summary>Replaces the dead-letter store (default: a JSON-lines file).</summary>
    public IngestionBuilder UseDeadLetterStore(IDeadLetterStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        Services.Replace(ServiceDescriptor.Singleton(store));
        return this;
    }

    /// <summary>Replaces the tenant authorizer (default: <see cref="IngestionOptions.SourceTenants"/>).</summary>
    public IngestionBuilder UseTenantAuthorizer(ITenantAuthorizer authorizer)
    {
        ArgumentNullException.ThrowIfNull(authorizer);
        Services.Replace(ServiceDescriptor.Singleton(authorizer));
        return this;
    }
}
