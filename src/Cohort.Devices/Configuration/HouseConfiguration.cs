using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cohort.Devices.Drivers;

namespace Cohort.Devices.Configuration;

/// <summary>
/// The devices of one house (SGMP's <c>devices.json</c>): JSON with camelCase properties, validated against the
/// registered drivers so that every problem names its JSON path.
/// </summary>
public sealed record HouseConfiguration
{
    /// <summary>The options used to read and write configurations: camelCase, comments and trailing commas allowed, unknown properties rejected.</summary>
    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The house (tenant) id, when the file names one.</summary>
    public string? House { get; init; }

    /// <summary>The devices.</summary>
    public IReadOnlyList<DeviceConfiguration> Devices { get; init; } = [];

    /// <summary>Parses and validates a configuration.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="drivers">The registered drivers: device types must be among them, and each validates its devices.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="DeviceConfigurationException">The JSON is malformed or invalid; its problems name the JSON paths.</exception>
    public static HouseConfiguration Parse(string json, DeviceDriverRegistry drivers)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(drivers);
        HouseConfiguration? configuration;
        try
        {
            configuration = JsonSerializer.Deserialize<HouseConfiguration>(json, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new DeviceConfigurationException([Describe(ex)]);
        }

        if (configuration is null)
        {
            throw new DeviceConfigurationException([new ConfigurationProblem("$", "must be an object with a \"devices\" array")]);
        }

        var problems = configuration.Validate(drivers);
        return problems.Count == 0 ? configuration : throw new DeviceConfigurationException(problems);
    }

    /// <summary>Reads, parses and validates a configuration file.</summary>
    /// <param name="path">The file path.</param>
    /// <param name="drivers">The registered drivers.</param>
    /// <param name="cancellationToken">Cancels reading.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="DeviceConfigurationException">The file is invalid; its problems name the JSON paths.</exception>
    public static async Task<HouseConfiguration> LoadAsync(string path, DeviceDriverRegistry drivers, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var json = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        return Parse(json, drivers);
    }

    /// <summary>Checks names, types, intervals and fields, then asks each device's driver to check its settings.</summary>
    /// <param name="drivers">The registered drivers.</param>
    /// <returns>Every problem found, by JSON path; empty when the configuration is valid.</returns>
    public IReadOnlyList<ConfigurationProblem> Validate(DeviceDriverRegistry drivers)
    {
        ArgumentNullException.ThrowIfNull(drivers);
        var problems = new List<ConfigurationProblem>();
        if (Devices is null)
        {
            problems.Add(new("$.devices", "must be an array"));
            return problems;
        }

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Devices.Count; i++)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"$.devices[{i}]");
            var device = Devices[i];
            if (device is null)
            {
                problems.Add(new(path, "must be an object"));
                continue;
            }

            if (string.IsNullOrEmpty(device.Name))
            {
                problems.Add(new(path + ".name", "is required"));
            }
            else if (!IsValidName(device.Name))
            {
                problems.Add(new(path + ".name", "must contain only ASCII letters, digits, '_' or '-'"));
            }
            else if (names.TryGetValue(device.Name, out var first))
            {
                problems.Add(new(path + ".name", string.Create(CultureInfo.InvariantCulture, $"duplicate device name '{device.Name}' (first used by $.devices[{first}])")));
            }
            else
            {
                names.Add(device.Name, i);
            }

            if (device.IntervalMs <= 0)
            {
                problems.Add(new(path + ".intervalMs", "must be greater than 0"));
            }

            if (device.TimeoutMs <= 0)
            {
                problems.Add(new(path + ".timeoutMs", "must be greater than 0"));
            }

            ValidateFields(device, path, problems);

            if (string.IsNullOrEmpty(device.Type))
            {
                problems.Add(new(path + ".type", "is required"));
            }
            else if (!drivers.TryGetDriver(device.Type, out var driver))
            {
                problems.Add(new(path + ".type", $"unknown device type '{device.Type}' (known: {string.Join(", ", drivers.Types)})"));
            }
            else
            {
                foreach (var problem in driver.Validate(device))
                {
                    problems.Add(new(path + "." + problem.Path, problem.Message));
                }
            }
        }

        return problems;
    }

    /// <summary>Writes the configuration as JSON (secret literals are written as <c>***</c>).</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    private static void ValidateFields(DeviceConfiguration device, string path, List<ConfigurationProblem> problems)
    {
        if (device.Fields is null)
        {
            problems.Add(new(path + ".fields", "must be an array"));
            return;
        }

        var fieldNames = new HashSet<string>(StringComparer.Ordinal);
        for (var f = 0; f < device.Fields.Count; f++)
        {
            var fieldPath = string.Create(CultureInfo.InvariantCulture, $"{path}.fields[{f}]");
            var field = device.Fields[f];
            if (field is null)
            {
                problems.Add(new(fieldPath, "must be an object"));
            }
            else if (string.IsNullOrEmpty(field.Name))
            {
                problems.Add(new(fieldPath + ".name", "is required"));
            }
            else if (!fieldNames.Add(field.Name))
            {
                problems.Add(new(fieldPath + ".name", $"duplicate field name '{field.Name}' in device '{device.Name}'"));
            }
            else if (!double.IsFinite(field.Scale))
            {
                problems.Add(new(fieldPath + ".scale", "must be a finite number"));
            }
        }
    }

    private static bool IsValidName(string name)
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

    private static ConfigurationProblem Describe(JsonException ex)
    {
        var path = string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path;
        var where = ex.LineNumber is long line
            ? string.Create(CultureInfo.InvariantCulture, $" (line {line + 1}, byte {ex.BytePositionInLine + 1})")
            : string.Empty;
        var text = ex.Message;
        var cut = text.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut > 0)
        {
            text = text[..cut];
        }

        string message;
        if (text.Contains("could not be mapped", StringComparison.Ordinal))
        {
            message = "is not a known property";
        }
        else if (text.Contains("could not be converted", StringComparison.Ordinal))
        {
            message = "has the wrong JSON type or is out of range" + where;
        }
        else if (ex.InnerException is null)
        {
            message = text + where;
        }
        else
        {
            message = "is not valid JSON" + where + ": " + text;
        }

        return new ConfigurationProblem(path, message);
    }
}
