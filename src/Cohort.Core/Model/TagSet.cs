using System.Collections;
using System.Collections.Immutable;

namespace Cohort.Core;

/// <summary>
/// An immutable set of tags sorted by key (ordinal), with unique keys: the identity of a series together with
/// its measurement. Two tag sets with the same tags are equal whatever order they were given in.
/// </summary>
public sealed class TagSet : IReadOnlyList<Tag>, IEquatable<TagSet>
{
    private readonly ImmutableArray<Tag> _tags;
    private readonly int _hash;
    private string? _canonical;

    /// <summary>The empty tag set.</summary>
    public static TagSet Empty { get; } = new(ImmutableArray<Tag>.Empty);

    private TagSet(ImmutableArray<Tag> sorted)
    {
        _tags = sorted;
        var hash = new HashCode();
        foreach (var tag in sorted)
        {
            hash.Add(tag.Key, StringComparer.Ordinal);
            hash.Add(tag.Value, StringComparer.Ordinal);
        }

        _hash = hash.ToHashCode();
    }

    /// <summary>Creates a tag set from tags in any order. A key given twice keeps its last value.</summary>
    /// <exception cref="ArgumentException">A key or value is null or empty.</exception>
    public static TagSet Create(IEnumerable<Tag> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var array = tags.ToArray();
        return array.Length == 0 ? Empty : FromUnsorted(array);
    }

    /// <summary>Sorts (stable, by ordinal key) and de-duplicates tags in place, keeping the last value of a key.</summary>
    private static TagSet FromUnsorted(Tag[] tags)
    {
        foreach (var tag in tags)
        {
            if (string.IsNullOrEmpty(tag.Key))
            {
                throw new ArgumentException("A tag key must not be empty.", nameof(tags));
            }

            if (string.IsNullOrEmpty(tag.Value))
            {
                throw new ArgumentException($"The value of tag '{tag.Key}' must not be empty.", nameof(tags));
            }
        }

        // Insertion sort: tag sets are small, often already sorted, and the sort must be stable.
        for (var i = 1; i < tags.Length; i++)
        {
            var current = tags[i];
            var j = i - 1;
            while (j >= 0 && string.CompareOrdinal(tags[j].Key, current.Key) > 0)
            {
                tags[j + 1] = tags[j];
                j--;
            }

            tags[j + 1] = current;
        }

        var count = 0;
        for (var i = 0; i < tags.Length; i++)
        {
            if (count > 0 && string.Equals(tags[count - 1].Key, tags[i].Key, StringComparison.Ordinal))
            {
                tags[count - 1] = tags[i];
            }
            else
            {
                tags[count++] = tags[i];
            }
        }

        return new TagSet(ImmutableArray.Create(tags, 0, count));
    }

    /// <summary>Creates a tag set from key/value pairs in any order.</summary>
    public static TagSet Create(params ReadOnlySpan<(string Key, string Value)> tags)
    {
        if (tags.IsEmpty)
        {
            return Empty;
        }

        var array = new Tag[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            array[i] = new Tag(tags[i].Key, tags[i].Value);
        }

        return FromUnsorted(array);
    }

    /// <inheritdoc />
    public int Count => _tags.Length;

    /// <inheritdoc />
    public Tag this[int index] => _tags[index];

    /// <summary>The value of the tag with this key, or <see langword="null"/>.</summary>
    public string? this[string key]
    {
        get
        {
            foreach (var tag in _tags)
            {
                if (string.Equals(tag.Key, key, StringComparison.Ordinal))
                {
                    return tag.Value;
                }
            }

            return null;
        }
    }

    /// <summary>A new tag set with this tag added or replaced.</summary>
    public TagSet With(string key, string value) => Create(_tags.Append(new Tag(key, value)));

    /// <inheritdoc />
    public ImmutableArray<Tag>.Enumerator GetEnumerator() => _tags.GetEnumerator();

    IEnumerator<Tag> IEnumerable<Tag>.GetEnumerator() => ((IEnumerable<Tag>)_tags).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable)_tags).GetEnumerator();

    /// <inheritdoc />
    public bool Equals(TagSet? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || other._hash != _hash || other._tags.Length != _tags.Length)
        {
            return false;
        }

        for (var i = 0; i < _tags.Length; i++)
        {
            if (!string.Equals(_tags[i].Key, other._tags[i].Key, StringComparison.Ordinal) ||
                !string.Equals(_tags[i].Value, other._tags[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as TagSet);

    /// <inheritdoc />
    public override int GetHashCode() => _hash;

    /// <summary>
    /// The canonical text of the tag set: <c>key=value</c> pairs in key order joined by <c>,</c>, with <c>\</c>,
    /// <c>,</c>, <c>=</c> and space escaped by a backslash in keys and values (line protocol's escaping, plus the
    /// backslash itself so the text is unambiguous). Equal tag sets give equal texts and different ones different
    /// texts; stores keep it as the series identity and order series by it (see <see cref="SeriesKey.StoreOrder"/>).
    /// </summary>
    public string ToCanonicalString()
    {
        return _canonical ??= Build(_tags);

        static string Build(ImmutableArray<Tag> tags)
        {
            if (tags.IsEmpty)
            {
                return string.Empty;
            }

            var builder = new System.Text.StringBuilder();
            foreach (var tag in tags)
            {
                if (builder.Length > 0)
                {
                    builder.Append(',');
                }

                Escape(builder, tag.Key);
                builder.Append('=');
                Escape(builder, tag.Value);
            }

            return builder.ToString();
        }

        static void Escape(System.Text.StringBuilder builder, string text)
        {
            foreach (var c in text)
            {
                if (c is '\\' or ',' or '=' or ' ')
                {
                    builder.Append('\\');
                }

                builder.Append(c);
            }
        }
    }

    /// <summary>The tags as <c>key=value,key=value</c> (unescaped; for display).</summary>
    public override string ToString() => string.Join(',', _tags.Select(t => t.Key + "=" + t.Value));
}
