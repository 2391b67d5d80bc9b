using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cohort.Devices.Configuration;

/// <summary>Where a secret comes from.</summary>
public enum SecretSource
{
    /// <summary>The secret is written in the configuration itself (discouraged outside tests).</summary>
    Value = 0,

    /// <summary>The secret is an environment variable, read at use: <c>{"env": "NAME"}</c>.</summary>
    Environment = 1,

    /// <summary>The secret is a file's content (trailing line break removed), read at use: <c>{"file": "/path"}</c>.</summary>
    File = 2,
}

/// <summary>
/// A password or token in a device configuration: <c>{"env": "NAME"}</c>, <c>{"file": "/path"}</c> or a plain string.
/// It is resolved only when a driver uses it, and its <see cref="ToString"/> never shows a secret value, so
/// configurations can be logged.
/// </summary>
[JsonConverter(typeof(SecretReferenceJsonConverter))]
public sealed class SecretReference
{
    private readonly string _text;

    private SecretReference(SecretSource source, string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        Source = source;
        _text = text;
    }

    /// <summary>Where the secret comes from.</summary>
    public SecretSource Source { get; }

    /// <summary>The environment variable name or the file path; <see langword="null"/> for a literal value.</summary>
    public string? Location => Source == SecretSource.Value ? null : _text;

    /// <summary>A secret read from an environment variable at use.</summary>
    /// <param name="name">The variable name.</param>
    /// <returns>The reference.</returns>
    public static SecretReference FromEnvironment(string name) => new(SecretSource.Environment, name);

    /// <summary>A secret read from a file at use.</summary>
    /// <param name="path">The file path.</param>
    /// <returns>The reference.</returns>
    public static SecretReference FromFile(string path) => new(SecretSource.File, path);

    /// <summary>A secret given directly.</summary>
    /// <param name="secret">The secret value.</param>
    /// <returns>The reference.</returns>
    public static SecretReference FromValue(string secret) => new(SecretSource.Value, secret);

    /// <summary>Reads the secret now.</summary>
    /// <param name="cancellationToken">Cancels reading a file.</param>
    /// <returns>The secret value.</returns>
    /// <exception cref="DeviceConfigurationException">The variable is not set or the file cannot be read.</exception>
    public async ValueTask<string> ResolveAsync(CancellationToken cancellationToken = default)
    {
        switch (Source)
        {
            case SecretSource.Environment:
                return System.Environment.GetEnvironmentVariable(_text) is { Length: > 0 } value
                    ? value
                    : throw new DeviceConfigurationException($"The secret's environment variable '{_text}' is not set.");
            case SecretSource.File:
                string content;
                try
                {
                    content = await System.IO.File.ReadAllTextAsync(_text, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new DeviceConfigurationException($"The secret's file '{_text}' cannot be read: {ex.Message}", ex);
                }

                return content.TrimEnd('\r', '\n');
            default:
                return _text;
        }
    }

    /// <summary>Describes the reference without its value: <c>{env: NAME}</c>, <c>{file: /path}</c> or <c>***</c>.</summary>
    public override string ToString() => Source switch
    {
        SecretSource.Environment => "{env: " + _text + "}",
        SecretSource.File => "{file: " + _text + "}",
        _ => "***",
    };
}

/// <summary>Reads and writes <see cref="SecretReference"/>; a literal secret is written back redacted.</summary>
internal sealed class SecretReferenceJsonConverter : JsonConverter<SecretReference>
{
    private const string Expected = "must be a string, {\"env\": \"NAME\"} or {\"file\": \"/path\"}";

    public override SecretReference Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            var literal = reader.GetString();
            return string.IsNullOrEmpty(literal) ? throw new JsonException("must not be empty") : SecretReference.FromValue(literal);
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException(Expected);
        }

        SecretReference? result = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString();
            reader.Read();
            if (result is not null || reader.TokenType != JsonTokenType.String || reader.GetString() is not { Length: > 0 } text)
            {
                throw new JsonException(Expected);
            }

            result = key switch
            {
                "env" => SecretReference.FromEnvironment(text),
                "file" => SecretReference.FromFile(text),
                _ => throw new JsonException(Expected),
            };
        }

        return result ?? throw new JsonException(Expected);
    }

    public override void Write(Utf8JsonWriter writer, SecretReference value, JsonSerializerOptions options)
    {
        switch (value.Source)
        {
            case SecretSource.Environment:
                writer.WriteStartObject();
                writer.WriteString("env", value.Location);
                writer.WriteEndObject();
                break;
            case SecretSource.File:
                writer.WriteStartObject();
                writer.WriteString("file", value.Location);
                writer.WriteEndObject();
                break;
            default:
                writer.WriteStringValue("***");
                break;
        }
    }
}
