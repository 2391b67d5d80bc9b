using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using Cohort.Core;
using Cohort.Devices.Configuration;

namespace Cohort.Devices.Drivers.Simulated;

/// <summary>
/// Simulated devices for samples, the quickstart and load tests: <c>pv</c>, <c>battery</c>, <c>ev</c> and <c>load</c>
/// models (see <see cref="SimulatedModels"/>), deterministic from the seed and the <see cref="TimeProvider"/>'s time.
/// </summary>
internal sealed class SimulatedDriver : IDeviceDriver
{
    /// <summary>The type name in device configurations.</summary>
    public const string TypeName = "simulated";

    /// <summary>The outputs of each model; a device without fields reads them all.</summary>
    internal static readonly FrozenDictionary<string, string[]> Outputs = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["pv"] = ["power"],
        ["load"] = ["power"],
        ["ev"] = ["power", "charging", "sessionEnergyWh"],
        ["battery"] = ["power", "soc", "chargedWh", "dischargedWh"],
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private readonly TimeProvider _timeProvider;
    private readonly ConditionalWeakTable<DeviceConfiguration, Plan> _plans = [];

    public SimulatedDriver(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
    }

    public IEnumerable<ConfigurationProblem> Validate(DeviceConfiguration device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var problems = new List<ConfigurationProblem>();
        var simulation = device.Simulation;
        if (device.Connection is not null)
        {
            problems.Add(new("connection", "is not used by simulated devices"));
        }

        if (simulation is null)
        {
            problems.Add(new("simulation", "is required for simulated devices (model: pv, battery, ev or load)"));
            return problems;
        }

        if (!Outputs.TryGetValue(simulation.Model ?? string.Empty, out var outputs))
        {
            problems.Add(new("simulation.model", $"must be one of pv, battery, ev, load (not '{simulation.Model}')"));
            return problems;
        }

        if (simulation.RatedPowerW is <= 0 or double.NaN)
        {
            problems.Add(new("simulation.ratedPowerW", "must be greater than 0"));
        }

        if (simulation.CapacityWh is <= 0 or double.NaN)
        {
            problems.Add(new("simulation.capacityWh", "must be greater than 0"));
        }

        if (simulation.InitialSocPct is not null and not (>= 0 and <= 100))
        {
            problems.Add(new("simulation.initialSocPct", "must be between 0 and 100"));
        }

        if (simulation.UtcOffsetHours is < -14 or > 14 or double.NaN)
        {
            problems.Add(new("simulation.utcOffsetHours", "must be between -14 and 14"));
        }

        if (simulation.LatencyMs < 0)
        {
            problems.Add(new("simulation.latencyMs", "must not be negative"));
        }

        for (var i = 0; i < (device.Fields?.Count ?? 0); i++)
        {
            var field = device.Fields![i];
            var source = field?.Source ?? field?.Name;
            if (source is not null && !outputs.Contains(source, StringComparer.OrdinalIgnoreCase))
            {
                var path = string.Create(CultureInfo.InvariantCulture, $"fields[{i}].") + (field!.Source is null ? "name" : "source");
                problems.Add(new(path, $"'{source}' is not an output of the {simulation.Model} model ({string.Join(", ", outputs)})"));
            }
        }

        return problems;
    }

    public async ValueTask<DeviceReading> ReadAsync(DeviceConfiguration device, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        var plan = _plans.GetValue(device, static d => Plan.Create(d));
        var now = _timeProvider.GetUtcNow();
        if (plan.Simulation.LatencyMs > 0)
        {
            using var timeout = new ReadTimeout(device, _timeProvider, cancellationToken);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(plan.Simulation.LatencyMs), _timeProvider, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.TimedOut)
            {
                throw timeout.TimeoutException();
            }
        }
        else
        {
            cancellationToken.ThrowIfCancellationRequested();
        }

        var values = plan.Evaluate(now);
        var fields = ImmutableArray.CreateBuilder<Field>(plan.Fields.Length);
        foreach (var (name, output, scale, offset) in plan.Fields)
        {
            var value = values[output];
            fields.Add(new Field(name, value.Kind == FieldKind.Boolean ? value : (value.AsDouble() * scale) + offset));
        }

        return new DeviceReading(device.Name, Timestamps.FromDateTimeOffset(now), fields.MoveToImmutable());
    }

    private sealed class Plan
    {
        private readonly int _outputs;
        private readonly double _ratedW;
        private readonly double _capacityWh;
        private BatteryState? _battery;

        private Plan(SimulationSettings simulation, ImmutableArray<(string Name, int Output, double Scale, double Offset)> fields, int outputs)
        {
            Simulation = simulation;
            Fields = fields;
            _outputs = outputs;
            Model = simulation.Model.ToUpperInvariant();
            _ratedW = simulation.RatedPowerW ?? Model switch { "PV" => 5_000, "LOAD" => 4_000, "EV" => 7_200, _ => 5_000 };
            _capacityWh = simulation.CapacityWh ?? (Model == "EV" ? 40_000 : 13_500);
        }

        public SimulationSettings Simulation { get; }

        public string Model { get; }

        public ImmutableArray<(string Name, int Output, double Scale, double Offset)> Fields { get; }

        public static Plan Create(DeviceConfiguration device)
        {
            var simulation = device.Simulation ?? throw new DeviceConfigurationException($"Device '{device.Name}' has no simulation settings.");
            if (!Outputs.TryGetValue(simulation.Model ?? string.Empty, out var outputs))
            {
                throw new DeviceConfigurationException($"Device '{device.Name}' has an unknown simulation model '{simulation.Model}'.");
            }

            var fields = ImmutableArray.CreateBuilder<(string, int, double, double)>();
            if (device.Fields.Count == 0)
            {
                for (var i = 0; i < outputs.Length; i++)
                {
                    fields.Add((outputs[i], i, 1, 0));
                }
            }
            else
            {
                foreach (var field in device.Fields)
                {
                    var index = Array.FindIndex(outputs, o => string.Equals(o, field.Source ?? field.Name, StringComparison.OrdinalIgnoreCase));
                    if (index < 0)
                    {
                        throw new DeviceConfigurationException($"Device '{device.Name}' field '{field.Name}' is not an output of the {simulation.Model} model.");
                    }

                    fields.Add((field.Name, index, field.Scale, field.Offset));
                }
            }

            return new Plan(simulation, fields.ToImmutable(), outputs.Length);
        }

        /// <summary>The model's outputs at a time (not thread-safe across reads of the same device at once; the poller reads a device one read at a time).</summary>
        public FieldValue[] Evaluate(DateTimeOffset now)
        {
            var values = new FieldValue[_outputs];
            var seconds = SimulatedModels.LocalSeconds(now, Simulation.UtcOffsetHours);
            var seed = Simulation.Seed;
            switch (Model)
            {
                case "PV":
                    values[0] = SimulatedModels.PvPower(seed, seconds, _ratedW);
                    break;
                case "LOAD":
                    values[0] = SimulatedModels.LoadPower(seed, seconds, _ratedW);
                    break;
                case "EV":
                    var (power, charging, energy) = SimulatedModels.Ev(seed, seconds, _ratedW, _capacityWh);
                    values[0] = power;
                    values[1] = charging;
                    values[2] = energy;
                    break;
                default:
                    var battery = LazyInitializer.EnsureInitialized(ref _battery, () => new BatteryState(seconds, _capacityWh * (Simulation.InitialSocPct ?? 50) / 100));
                    var state = battery.Advance(seconds, _ratedW, _capacityWh);
                    values[0] = state.PowerW;
                    values[1] = state.SocPct;
                    values[2] = state.ChargedWh;
                    values[3] = state.DischargedWh;
                    break;
            }

            return values;
        }
    }
}
