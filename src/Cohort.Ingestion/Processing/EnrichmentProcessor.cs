using Cohort.Core;
using Microsoft.Extensions.Options;

namespace Cohort.Ingestion.Processing;

/// <summary>Adds tags from the message's metadata and topic levels (see <see cref="EnrichmentOptions"/>).</summary>
internal sealed class EnrichmentProcessor : IPointProcessor
{
    private readonly EnrichmentOptions _options;
    private readonly string[]? _pattern;

    public EnrichmentProcessor(IOptions<IngestionOptions> options)
    {
        _options = options.Value.Enrichment;
        _pattern = _options.TopicPattern?.Split('/');
    }

    public bool IsActive => _options.MetadataTags.Count > 0 || _pattern is not null;

    public ValueTask ProcessAsync(ProcessingContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var tags = TagsFor(context.Message);
        if (tags.Count == 0 || context.Batch.IsEmpty)
        {
            return ValueTask.CompletedTask;
        }

        var batch = context.Batch;
        var result = new PointBatch(batch.ValueCount);
        var seriesMap = new int[batch.SeriesCount];
        for (var i = 0; i < seriesMap.Length; i++)
        {
            var series = batch.GetSeries(i);
            var merged = series.Tags;
            foreach (var (key, value) in tags)
            {
                if (_options.OverwriteTags || merged[key] is null)
                {
                    merged = merged.With(key, value);
                }
            }

            seriesMap[i] = result.InternSeries(ReferenceEquals(merged, series.Tags) ? series : new SeriesKey(series.Measurement, merged));
        }

        var fieldMap = new Dictionary<int, int>();
        for (var row = 0; row < batch.ValueCount; row++)
        {
            var fieldId = batch.FieldIds[row];
            if (!fieldMap.TryGetValue(fieldId, out var mapped))
            {
                mapped = result.InternField(batch.GetFieldKey(fieldId));
                fieldMap[fieldId] = mapped;
            }

            result.Add(seriesMap[batch.SeriesIds[row]], mapped, batch.Timestamps[row], batch.GetValue(row));
        }

        context.Batch = result;
        return ValueTask.CompletedTask;
    }

    private List<(string Key, string Value)> TagsFor(IngestMessage message)
    {
        var tags = new List<(string, string)>();
        foreach (var (metadataKey, tagKey) in _options.MetadataTags)
        {
            if (message.Metadata.TryGetValue(metadataKey, out var value) && !string.IsNullOrEmpty(value))
            {
                tags.Add((tagKey, value));
            }
        }

        if (_pattern is not null && message.Topic is { } topic)
        {
            var levels = topic.Split('/');
            if (levels.Length == _pattern.Length && Matches(levels))
            {
                for (var i = 0; i < levels.Length; i++)
                {
                    var level = _pattern[i];
                    if (level.Length > 2 && level[0] == '{' && level[^1] == '}' && level != "{tenant}" && levels[i].Length > 0)
                    {
                        tags.Add((level[1..^1], levels[i]));
                    }
                }
            }
        }

        return tags;
    }

    private bool Matches(string[] levels)
    {
        for (var i = 0; i < levels.Length; i++)
        {
            var level = _pattern![i];
            var isVariable = level == "+" || (level.Length > 2 && level[0] == '{' && level[^1] == '}');
            if (!isVariable && !string.Equals(level, levels[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
