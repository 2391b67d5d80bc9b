namespace Cohort.Core;

/// <summary>
/// The isolation boundary of data: a house, a study participant, a user. Every write and read names one; a store
/// maps it to its own database, schema or file, and one tenant's reader never sees another's data.
/// </summary>
public readonly record struct Tenant
{
    /// <summary>The longest tenant id accepted.</summary>
    public const int MaxLength = 63;

    /// <summary>Creates a tenant id: 1 to 63 characters of ASCII letters, digits, <c>_</c> and <c>-</c>.</summary>
    /// <exception cref="ArgumentException">The id is empty, too long or has other characters.</exception>
    public Tenant(string id)
    {
        if (!IsValid(id, out var reason))
        {
            throw new ArgumentException($"Invalid tenant id '{id}': {reason}", nameof(id));
        }

        Id = id;
    }

    /// <summary>The tenant id: safe to use in a file name, a database or schema name, and an MQTT topic level.</summary>
    public string Id { get; }

    /// <summary>Whether <paramref name="id"/> is a valid tenant id, and why not.</summary>
    public static bool IsValid(string? id, out string reason)
    {
        if (string.IsNullOrEmpty(id))
        {
            reason = "it is empty.";
            return false;
        }

        if (id.Length > MaxLength)
        {
            reason = $"it is longer than {MaxLength} characters.";
            return false;
        }

        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '-')
            {
                reason = $"character {i + 1} ('{c}') is not an ASCII letter, digit, '_' or '-'.";
                return false;
            }
        }

        reason = string.Empty;
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Id ?? string.Empty;
}
