using MQTTnet;

namespace Cohort.Ingestion.Mqtt.Broker;

/// <summary>Topic patterns with <c>{tenant}</c>, <c>{username}</c> and <c>{clientid}</c> levels, expanded per client and checked.</summary>
internal static class TopicAcl
{
    private static readonly string[] Placeholders = ["{tenant}", "{username}", "{clientid}"];

    /// <summary>Why <paramref name="pattern"/> is not a valid pattern, or <see langword="null"/>.</summary>
    public static string? Problem(string pattern)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            return "a topic pattern must not be empty";
        }

        var levels = pattern.Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            var level = levels[i];
            if (level.Contains('{', StringComparison.Ordinal) || level.Contains('}', StringComparison.Ordinal))
            {
                if (!Placeholders.Contains(level, StringComparer.Ordinal))
                {
                    return $"level {i + 1} '{level}' of '{pattern}' is not one of {string.Join(", ", Placeholders)}";
                }
            }
            else if ((level.Contains('#', StringComparison.Ordinal) && (level != "#" || i != levels.Length - 1)) || (level.Contains('+', StringComparison.Ordinal) && level != "+"))
            {
                return $"level {i + 1} '{level}' of '{pattern}' misuses a wildcard";
            }
        }

        return null;
    }

    /// <summary>
    /// The pattern with its placeholders replaced, or <see langword="null"/> when a value is empty or not a single
    /// topic level (so a crafted user name like <c>#</c> cannot widen the rule).
    /// </summary>
    public static string? Expand(string pattern, string tenant, string username, string clientId)
    {
        var levels = pattern.Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            var value = levels[i] switch
            {
                "{tenant}" => tenant,
                "{username}" => username,
                "{clientid}" => clientId,
                _ => null,
            };
            if (value is null)
            {
                continue;
            }

            if (value.Length == 0 || value.AsSpan().IndexOfAny("/+#") >= 0)
            {
                return null;
            }

            levels[i] = value;
        }

        return string.Join('/', levels);
    }

    /// <summary>Whether a concrete <paramref name="topic"/> matches the expanded <paramref name="filter"/>.</summary>
    public static bool AllowsTopic(string filter, string topic) =>
        MqttTopicFilterComparer.Compare(topic, filter) == MqttTopicFilterCompareResult.IsMatch;

    /// <summary>Whether every topic that <paramref name="requested"/> matches also matches <paramref name="allowed"/> (both expanded filters).</summary>
    public static bool Covers(string allowed, string requested)
    {
        var a = allowed.Split('/');
        var r = SharedSubscription.StripShare(requested).Split('/');
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] == "#")
            {
                return true;
            }

            if (i >= r.Length || r[i] == "#")
            {
                return false;
            }

            if (a[i] == "+")
            {
                continue;
            }

            if (r[i] == "+" || !string.Equals(a[i], r[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return a.Length == r.Length;
    }
}
