using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Cohort.Core;
using Cohort.Devices.Configuration;

namespace Cohort.Devices.Drivers.Http;

/// <summary>
/// GETs a JSON document and picks each field by a JSON path subset (<c>$.a.b[0].c</c>). Numbers become doubles
/// (value = raw × scale + offset), <c>true</c>/<c>false</c> booleans and strings strings; a path that is missing or
/// <c>null</c> in the response leaves its field out of the reading. Basic or bearer authentication comes from secrets.
/// </summary>
internal sealed class HttpJsonDriver : IDeviceDriver, IDisposable
{
    /// <summary>The type name in device configurations.</summary>
    public const string TypeName = "http-json";

    private readonly TimeProvider _timeProvider;
    private readonly DeviceHttp _http = new();
    private readonly ConditionalWeakTable<DeviceConfiguration, (DeviceField Field, JsonPathSubset Path)[]> _plans = [];

    public HttpJsonDriver(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
    }

    public IEnumerable<ConfigurationProblem> Validate(DeviceConfiguration device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var problems = DeviceHttp.ValidateConnection(device, TypeName).ToList();
        for (var i = 0; i < (device.Fields?.Count ?? 0); i++)
        {
            var field = device.Fields![i];
            var path = string.Create(CultureInfo.InvariantCulture, $"fields[{i}]");
            if (field?.Path is null)
            {
                problems.Add(new(path + ".path", "is required (a JSON path such as $.a.b[0].c)"));
            }
            else if (!JsonPathSubset.TryParse(field.Path, out _, out var error))
            {
                problems.Add(new(path + ".path", error));
            }

            if (field?.Register is not null)
            {
                problems.Add(new(path + ".register", "is not used by http-json"));
            }
        }

        return problems;
    }

    public async ValueTask<DeviceReading> ReadAsync(DeviceConfiguration device, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        var plan = _plans.GetValue(device, static d => Plan(d));
        var timestamp = Timestamps.Now(_timeProvider);
        using var timeout = new ReadTimeout(device, _timeProvider, cancellationToken);
        byte[] body;
        try
        {
            body = await _http.GetAsync(device, device.Connection!.Url!, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.TimedOut)
        {
            throw timeout.TimeoutException();
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new DeviceException(device.Name, "the response is not JSON: " + ex.Message, isTransient: false, ex);
        }

        using (document)
        {
            var fields = ImmutableArray.CreateBuilder<Field>(plan.Length);
            foreach (var (field, path) in plan)
            {
                if (!path.TryFind(document.RootElement, out var element))
                {
                    continue;
                }

                switch (element.ValueKind)
                {
                    case JsonValueKind.Number:
                        fields.Add(new Field(field.Name, (element.GetDouble() * field.Scale) + field.Offset));
                        break;
                    case JsonValueKind.True or JsonValueKind.False:
                        fields.Add(new Field(field.Name, element.GetBoolean()));
                        break;
                    case JsonValueKind.String:
                        fields.Add(new Field(field.Name, element.GetString()!));
                        break;
                    case JsonValueKind.Null:
                        break;
                    default:
                        throw new DeviceException(device.Name, $"field '{field.Name}': {path.Text} is a JSON {element.ValueKind}, not a number, boolean or string", isTransient: false);
                }
            }

            return new DeviceReading(device.Name, timestamp, fields.ToImmutable());
        }
    }

    public void Dispose() => _http.Dispose();

    private static (DeviceField, JsonPathSubset)[] Plan(DeviceConfiguration device)
    {
        var plan = new List<(DeviceField, JsonPathSubset)>(device.Fields.Count);
        foreach (var field in device.Fields)
        {
            if (field.Path is null || !JsonPathSubset.TryParse(field.Path, out var path, out var error))
            {
                throw new DeviceConfigurationException($"Device '{device.Name}' field '{field.Name}' has no valid path; validate the configuration first.");
            }

            plan.Add((field, path!));
        }

        return [.. plan];
    }
}
