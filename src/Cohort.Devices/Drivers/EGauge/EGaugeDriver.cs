using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Cohort.Core;
using Cohort.Devices.Configuration;
using Cohort.Devices.Drivers.Http;

namespace Cohort.Devices.Drivers.EGauge;

/// <summary>
/// Reads an eGauge meter's XML register API (<c>/cgi-bin/egauge?inst</c>): each <c>&lt;r n="name"&gt;</c> holds a
/// cumulative value <c>&lt;v&gt;</c> (watt-seconds for power registers) and an instantaneous <c>&lt;i&gt;</c>; the
/// document's <c>&lt;ts&gt;</c> is the meter's time in Unix seconds. As SGMP does, a field's power in kW is
/// Δv / Δts / 1000 between two reads; on the first read (or when the meter's time has not moved) the instantaneous
/// value / 1000 stands in. Then value = power × scale + offset.
/// </summary>
internal sealed class EGaugeDriver : IDeviceDriver, IDisposable
{
    /// <summary>The type name in device configurations.</summary>
    public const string TypeName = "egauge";

    /// <summary>The path of the register API, appended to a base URL without a path.</summary>
    public const string InstantPath = "/cgi-bin/egauge?inst";

    private readonly TimeProvider _timeProvider;
    private readonly DeviceHttp _http = new();
    private readonly ConcurrentDictionary<DeviceConfiguration, Previous> _previous = new(ReferenceEqualityComparer.Instance);

    public EGaugeDriver(TimeProvider timeProvider)
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
            if (field?.Register is not null)
            {
                problems.Add(new(path + ".register", "is not used by egauge (name the register with source)"));
            }

            if (field?.Path is not null)
            {
                problems.Add(new(path + ".path", "is not used by egauge (name the register with source)"));
            }
        }

        return problems;
    }

    public async ValueTask<DeviceReading> ReadAsync(DeviceConfiguration device, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        var timestamp = Timestamps.Now(_timeProvider);
        var url = device.Connection!.Url!;
        if (url.AbsolutePath is "/" && string.IsNullOrEmpty(url.Query))
        {
            url = new Uri(url, InstantPath);
        }

        using var timeout = new ReadTimeout(device, _timeProvider, cancellationToken);
        byte[] body;
        try
        {
            body = await _http.GetAsync(device, url, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.TimedOut)
        {
            throw timeout.TimeoutException();
        }

        var current = Parse(device.Name, body);
        var previous = _previous.TryGetValue(device, out var p) ? p : null;
        var fields = ImmutableArray.CreateBuilder<Field>(device.Fields.Count);
        foreach (var field in device.Fields)
        {
            var name = field.Source ?? field.Name;
            if (!current.Registers.TryGetValue(name, out var register))
            {
                continue;
            }

            double? kw = null;
            if (previous is not null && current.MeterSeconds > previous.MeterSeconds && previous.Registers.TryGetValue(name, out var before))
            {
                kw = (double)(register.Cumulative - before.Cumulative) / (current.MeterSeconds - previous.MeterSeconds) / 1000;
            }
            else if (register.Instant is double instant)
            {
                kw = instant / 1000;
            }

            if (kw is double value)
            {
                fields.Add(new Field(field.Name, (value * field.Scale) + field.Offset));
            }
        }

        if (previous is null || current.MeterSeconds > previous.MeterSeconds)
        {
            _previous[device] = current;
        }

        return new DeviceReading(device.Name, timestamp, fields.ToImmutable());
    }

    public void Dispose() => _http.Dispose();

    internal static Previous Parse(string deviceName, byte[] body)
    {
        XDocument document;
        try
        {
            using var stream = new MemoryStream(body);
            document = XDocument.Load(XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null }));
        }
        catch (XmlException ex)
        {
            throw new DeviceException(deviceName, "the eGauge response is not XML: " + ex.Message, isTransient: false, ex);
        }

        var root = document.Root;
        if (root is null || !long.TryParse((string?)root.Element("ts"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
        {
            throw new DeviceException(deviceName, "the eGauge response has no <ts> time", isTransient: false);
        }

        var registers = new Dictionary<string, (long Cumulative, double? Instant)>(StringComparer.Ordinal);
        foreach (var r in root.Elements("r"))
        {
            var name = (string?)r.Attribute("n");
            if (name is null || !long.TryParse((string?)r.Element("v"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var cumulative))
            {
                continue;
            }

            double? instant = double.TryParse((string?)r.Element("i"), NumberStyles.Float, CultureInfo.InvariantCulture, out var i) ? i : null;
            registers[name] = (cumulative, instant);
        }

        return new Previous(seconds, registers);
    }

    /// <summary>One parsed response: the meter's time and each register's cumulative and instantaneous values.</summary>
    internal sealed record Previous(long MeterSeconds, Dictionary<string, (long Cumulative, double? Instant)> Registers);
}
