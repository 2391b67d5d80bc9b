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
        var builder = ImmutableArray.CreateBuilder<Tag>();
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

            builder.Add(tag);
        }

        if (builder.Count == 0)
        {
            return Empty;
        }

        // Stable sort by key, then keep the last occurrence of each key.
        var ordered = builder.Select((t, i) => (t, i)).OrderBy(x => x.t.Key, StringComparer.Ordinal).ThenBy(x => x.i).Select(x => x.t).ToList();
        var result = ImmutableArray.CreateBuilder<Tag>(ordered.Count);
        foreach (var tag in ordered)
        {
            if (result.Count > 0 && string.Equals(result[^1].Key, tag.Key, StringComparison.Ordinal))
            {
                result[^1] = tag;
            }
            else
            {
                result.Add(tag);
            }
        }

        return new TagSet(result.ToImmutable());
    }

    /// <summary>Creates a tag set from key/value pairs in any order.</summary>
    public static TagSet Create(params ReadOnlySpan<(string Key, string Value)> tags)
    {
        var list = new List<Tag>(tags.Length);
        foreach (var (key, value) in tags)
        {
            list.Add(new Tag(key, value));
        }

        return Create(list);
    }

    /// <summary>Creates a tag set from tags that are already sorted by key with unique keys (checked).</summary>
    internal static TagSet FromSorted(ImmutableArray<Tag> sorted)
    {
        for (var i = 1; i < sorted.Length; i++)
        {
            if (string.CompareOrdinal(sorted[i - 1].Key, sorted[i].Key) >= 0)
            {
                return Create(sorted);
            }
        }

        return sorted.IsEmpty ? Empty : new TagSet(sorted);
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

    /// <summary>The tags as <c>key=value,key=value</c> (unescaped; for display).</summary>
    public override string ToString() => string.Join(',', _tags.Select(t => t.Key + "=" + t.Value));
}
