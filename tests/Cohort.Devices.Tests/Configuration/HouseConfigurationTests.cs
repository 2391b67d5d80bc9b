using Cohort.Devices.Configuration;

namespace Cohort.Devices.Tests.Configuration;

public sealed class HouseConfigurationTests
{
    private static readonly Drivers.DeviceDriverRegistry Registry = TestDrivers.Registry();

    private const string Valid = """
        {
          // comments and trailing commas are allowed
          "house": "house-1",
          "devices": [
            { "name": "meter", "type": "modbus-tcp", "intervalMs": 1000,
              "connection": { "host": "10.0.0.5", "port": 502, "unitId": 3 },
              "fields": [ { "name": "power", "register": 2, "dataType": "int32", "wordOrder": "CDAB", "scale": 0.1 } ] },
            { "name": "sonnen", "type": "http-json",
              "connection": { "url": "http://10.0.0.6/api/v2/status", "token": { "env": "SONNEN_TOKEN" } },
              "fields": [ { "name": "soc", "path": "$.USOC" } ] },
            { "name": "egauge", "type": "egauge",
              "connection": { "url": "http://10.0.0.7", "username": "owner", "password": { "file": "/run/secrets/egauge" } },
              "fields": [ { "name": "Solar" }, { "name": "grid", "source": "Grid" } ] },
            { "name": "pv", "type": "simulated", "simulation": { "model": "pv", "seed": 7 } },
          ],
        }
        """;

    private static IReadOnlyList<ConfigurationProblem> Problems(string json) =>
        Assert.Throws<DeviceConfigurationException>(() => HouseConfiguration.Parse(json, Registry)).Problems;

    [Fact]
    public void Parses_every_driver_type_with_camel_case_properties()
    {
        var house = HouseConfiguration.Parse(Valid, Registry);

        Assert.Equal("house-1", house.House);
        Assert.Equal(["meter", "sonnen", "egauge", "pv"], house.Devices.Select(d => d.Name));
        var meter = house.Devices[0];
        Assert.Equal(TimeSpan.FromSeconds(1), meter.Interval);
        Assert.Equal(TimeSpan.FromMilliseconds(DeviceConfiguration.DefaultTimeoutMs), meter.Timeout);
        Assert.Equal(3, meter.Connection!.UnitId);
        Assert.Equal(0.1, meter.Fields[0].Scale);
        Assert.Equal(SecretSource.Environment, house.Devices[1].Connection!.Token!.Source);
        Assert.Equal("/run/secrets/egauge", house.Devices[2].Connection!.Password!.Location);
        Assert.Equal(TimeSpan.FromSeconds(4), house.Devices[3].Interval);
    }

    [Fact]
    public void Names_the_out_of_range_register_by_its_json_path()
    {
        var json = Valid.Replace("\"register\": 2", "\"register\": 70000");

        var problem = Assert.Single(Problems(json));

        Assert.Equal("$.devices[0].fields[0].register: must be between 0 and 65535", problem.ToString());
    }

    [Fact]
    public void Rejects_a_32_bit_field_on_the_last_register()
    {
        var json = Valid.Replace("\"register\": 2", "\"register\": 65535");

        var problem = Assert.Single(Problems(json));

        Assert.Equal("$.devices[0].fields[0].register: leaves no room for the 2 registers of int32", problem.ToString());
    }

    [Fact]
    public void Rejects_credentials_in_a_url()
    {
        var json = Valid.Replace("http://10.0.0.6/api", "http://admin:pa55@10.0.0.6/api");

        var problem = Assert.Single(Problems(json));

        Assert.Equal("$.devices[1].connection.url", problem.Path);
        Assert.DoesNotContain("pa55", problem.Message);
    }

    [Fact]
    public void Reports_duplicate_device_names_with_the_first_use()
    {
        var json = Valid.Replace("\"name\": \"pv\"", "\"name\": \"meter\"");

        var problem = Assert.Single(Problems(json));

        Assert.Equal("$.devices[3].name", problem.Path);
        Assert.Contains("duplicate device name 'meter' (first used by $.devices[0])", problem.Message);
    }

    [Fact]
    public void Checks_types_against_the_driver_registry()
    {
        var json = Valid.Replace("\"type\": \"simulated\"", "\"type\": \"sunspec\"");

        var problem = Assert.Single(Problems(json));

        Assert.Equal("$.devices[3].type", problem.Path);
        Assert.Equal("unknown device type 'sunspec' (known: egauge, http-json, modbus-tcp, simulated)", problem.Message);
    }

    [Fact]
    public void Unknown_property_is_named_by_its_path()
    {
        var json = Valid.Replace("\"register\": 2", "\"regster\": 2");

        var problem = Assert.Single(Problems(json));

        Assert.Equal("$.devices[0].fields[0].regster: is not a known property", problem.ToString());
    }

    [Fact]
    public void Wrong_json_type_is_named_by_its_path()
    {
        var json = Valid.Replace("\"unitId\": 3", "\"unitId\": \"three\"");

        var problem = Assert.Single(Problems(json));

        Assert.Equal("$.devices[0].connection.unitId", problem.Path);
        Assert.StartsWith("has the wrong JSON type", problem.Message);
    }

    [Fact]
    public void Bad_secret_shape_is_named_by_its_path()
    {
        var json = Valid.Replace("{ \"env\": \"SONNEN_TOKEN\" }", "{ \"vault\": \"x\" }");

        var problem = Assert.Single(Problems(json));

        Assert.Equal("$.devices[1].connection.token", problem.Path);
        Assert.StartsWith("must be a string, {\"env\": \"NAME\"} or {\"file\": \"/path\"}", problem.Message);
    }

    [Fact]
    public void Collects_every_problem_of_every_device()
    {
        const string json = """
            { "devices": [
              { "name": "a.b", "type": "modbus-tcp", "intervalMs": 0,
                "connection": { "host": "", "port": 70000, "unitId": 300 },
                "fields": [ { "name": "x", "register": 1, "dataType": "int64", "wordOrder": "BADC", "function": "coil" }, { "name": "x", "register": 2 } ] },
              { "name": "h", "type": "http-json", "connection": { "url": "ftp://x/", "password": "p" }, "fields": [ { "name": "y", "path": "a.b" }, { "name": "z", "path": "$.a[x]" } ] },
              { "name": "s", "type": "simulated", "simulation": { "model": "pv", "initialSocPct": 120 }, "fields": [ { "name": "soc" } ] },
              { "name": "", "type": "" }
            ] }
            """;

        var problems = Problems(json).Select(p => p.ToString()).ToList();

        Assert.Equal(
            [
                "$.devices[0].name: must contain only ASCII letters, digits, '_' or '-'",
                "$.devices[0].intervalMs: must be greater than 0",
                "$.devices[0].fields[1].name: duplicate field name 'x' in device 'a.b'",
                "$.devices[0].connection.host: is required",
                "$.devices[0].connection.port: must be between 1 and 65535",
                "$.devices[0].connection.unitId: must be between 0 and 255",
                "$.devices[0].fields[0].dataType: must be one of int16, uint16, int32, uint32, float32 (not 'int64')",
                "$.devices[0].fields[0].function: must be 'holding' or 'input' (not 'coil')",
                "$.devices[0].fields[0].wordOrder: must be 'ABCD' or 'CDAB' (not 'BADC')",
                "$.devices[1].connection.url: must be an absolute http:// or https:// URL",
                "$.devices[1].connection.username: is required with a password",
                "$.devices[1].fields[0].path: must start with '$'",
                "$.devices[1].fields[1].path: has an invalid array index at character 4 (only [0], [1], ... are supported)",
                "$.devices[2].simulation.initialSocPct: must be between 0 and 100",
                "$.devices[2].fields[0].name: 'soc' is not an output of the pv model (power)",
                "$.devices[3].name: is required",
                "$.devices[3].type: is required",
            ],
            problems);
    }

    [Fact]
    public void Malformed_json_is_a_configuration_problem_with_its_position()
    {
        var problem = Assert.Single(Problems("{ \"devices\": [ { \"name\": } ] }"));

        Assert.StartsWith("$.devices[0].name: is not valid JSON (line 1", problem.ToString());
    }

    [Fact]
    public async Task Loads_a_file()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, Valid);

            var house = await HouseConfiguration.LoadAsync(path, Registry);

            Assert.Equal(4, house.Devices.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Writes_secret_references_but_never_a_literal_secret()
    {
        var house = HouseConfiguration.Parse(Valid.Replace("{ \"env\": \"SONNEN_TOKEN\" }", "\"s3cr3t-token\""), Registry);

        var json = house.ToJson();

        Assert.DoesNotContain("s3cr3t-token", json);
        Assert.Contains("\"token\":\"***\"", json);
        Assert.Contains("{\"file\":\"/run/secrets/egauge\"}", json);
    }
}
