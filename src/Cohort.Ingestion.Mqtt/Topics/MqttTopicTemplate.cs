using System.Collections.Immutable;
using System.Text;

namespace Cohort.Ingestion.Mqtt;

/// <summary>
/// A topic layout with named levels, such as SGMP's <c>sgmp/{tenant}/{device_id}/{device}/{timestamp}/data</c> or
/// <c>cohort/{tenant}/{device}</c>. It gives the subscription filter (every variable level becomes <c>+</c>),
/// extracts the variables from a received topic, and formats a topic from values. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// A level is either literal text or one variable <c>{name}</c> (letters, digits, <c>_</c> and <c>-</c>). Literal levels
/// must not contain the MQTT wildcards <c>+</c> or <c>#</c>. The variable <c>{tenant}</c> names the tenant (a house or a
/// study participant); the others become tags on the points received (see <see cref="WellKnownVariables"/>).
/// </remarks>
public sealed class MqttTopicTemplate
{
    private readonly string?[] _literals;
    private readonly string?[] _variables;

    private MqttTopicTemplate(string template, string?[] literals, string?[] variables)
    {
        Template = template;
        _literals = literals;
        _variables = variables;
        Variables = [.. variables.Where(v => v is not null).Select(v => v!)];
        SubscriptionFilter = string.Join('/', literals.Select(l => l ?? "+"));
    }

    /// <summary>Gets the template text as given.</summary>
    public string Template { get; }

    /// <summary>Gets the variable names, in level order.</summary>
    public ImmutableArray<string> Variables { get; }

    /// <summary>Gets the MQTT subscription filter: the template with every variable level replaced by <c>+</c>.</summary>
    public string SubscriptionFilter { get; }

    /// <summary>Gets the number of topic levels.</summary>
    public int LevelCount => _literals.Length;

    /// <summary>Parses a template.</summary>
    /// <param name="template">The template text.</param>
    /// <returns>The template.</returns>
    /// <exception cref="FormatException">The template is malformed; the message gives the 1-based column.</exception>
    public static MqttTopicTemplate Parse(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return TryParse(template, out var result, out var error) ? result : throw new FormatException(error);
    }

    /// <summary>Parses a template without throwing.</summary>
    /// <param name="template">The template text.</param>
    /// <param name="result">The template, when valid.</param>
    /// <param name="error">Why the template is invalid, with the 1-based column, when it is.</param>
    /// <returns><see langword="true"/> when the template is valid.</returns>
    public static bool TryParse(
        string template,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MqttTopicTemplate? result,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(template);
        result = null;
        if (template.Length == 0)
        {
            error = "column 1: a topic template must not be empty";
            return false;
        }

        var levels = template.Split('/');
        var literals = new string?[levels.Length];
        var variables = new string?[levels.Length];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var column = 1;
        for (var i = 0; i < levels.Length; i++)
        {
            var level = levels[i];
            if (level.Length > 0 && level[0] == '{')
            {
                if (level.Length < 3 || level[^1] != '}' || !IsVariableName(level.AsSpan(1, level.Length - 2)))
                {
                    error = $"column {column}: '{level}' is not a variable: write {{name}} with letters, digits, '_' or '-' as a whole level";
                    return false;
                }

                var name = level[1..^1];
                if (!seen.Add(name))
                {
                    error = $"column {column}: variable '{{{name}}}' appears twice";
                    return false;
                }

                variables[i] = name;
            }
            else
            {
                var bad = level.AsSpan().IndexOfAny("+#{}");
                if (bad >= 0)
                {
                    error = $"column {column + bad}: '{level[bad]}' is not allowed in a literal level of a topic template";
                    return false;
                }

                literals[i] = level;
            }

            column += level.Length + 1;
        }

        result = new MqttTopicTemplate(template, literals, variables);
        error = null;
        return true;
    }

    /// <summary>Matches a received topic against the template and extracts the variables.</summary>
    /// <param name="topic">The topic a message arrived on.</param>
    /// <param name="values">The variable values, when the topic matches (no value is empty).</param>
    /// <returns><see langword="true"/> when every literal level matches and every variable level is non-empty.</returns>
    public bool TryMatch(string topic, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ImmutableDictionary<string, string>? values)
    {
        ArgumentNullException.ThrowIfNull(topic);
        values = null;
        var builder = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        var remaining = topic.AsSpan();
        for (var i = 0; i < _literals.Length; i++)
        {
            var slash = remaining.IndexOf('/');
            var isLast = i == _literals.Length - 1;
            if (isLast != (slash < 0))
            {
                return false;
            }

            var level = isLast ? remaining : remaining[..slash];
            if (_literals[i] is { } literal)
            {
                if (!level.SequenceEqual(literal))
                {
                    return false;
                }
            }
            else
            {
                if (level.IsEmpty)
                {
                    return false;
                }

                builder[_variables[i]!] = level.ToString();
            }

            remaining = isLast ? default : remaining[(slash + 1)..];
        }

        values = builder.ToImmutable();
        return true;
    }

    /// <summary>Formats a topic from variable values.</summary>
    /// <param name="values">A value for every variable; values must be non-empty and free of <c>/</c>, <c>+</c> and <c>#</c>.</param>
    /// <returns>The topic.</returns>
    /// <exception cref="ArgumentException">A variable has no value, or a value is not a valid topic level.</exception>
    public string Format(IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var builder = new StringBuilder(Template.Length + 32);
        for (var i = 0; i < _literals.Length; i++)
        {
            if (i > 0)
            {
                builder.Append('/');
            }

            if (_literals[i] is { } literal)
            {
                builder.Append(literal);
                continue;
            }

            var name = _variables[i]!;
            if (!values.TryGetValue(name, out var value) || string.IsNullOrEmpty(value))
            {
                throw new ArgumentException($"Topic template '{Template}' needs a value for '{{{name}}}'.", nameof(values));
            }

            if (value.AsSpan().IndexOfAny("/+#") >= 0)
            {
                throw new ArgumentException($"The value '{value}' for '{{{name}}}' is not a single topic level (it contains '/', '+' or '#').", nameof(values));
            }

            builder.Append(value);
        }

        return builder.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => Template;

    private static bool IsVariableName(ReadOnlySpan<char> name)
    {
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Variable names with a meaning of their own.</summary>
    public static class WellKnownVariables
    {
        /// <summary>The tenant (house or participant) the message belongs to.</summary>
        public const string Tenant = "tenant";

        /// <summary>The device's name; becomes the <c>device</c> tag.</summary>
        public const string Device = "device";

        /// <summary>The reading time, in Unix milliseconds or ISO-8601, used when the payload carries none.</summary>
        public const string Timestamp = "timestamp";
    }
}
