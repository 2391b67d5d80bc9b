using Cohort.Devices.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Cohort.Devices.Tests.Configuration;

public sealed partial class SecretReferenceTests
{
    [LoggerMessage(LogLevel.Information, "Configured {Device}")]
    private static partial void LogConfigured(ILogger logger, DeviceConfiguration device);

    [Fact]
    public async Task Resolves_an_environment_variable_at_use()
    {
        var name = "COHORT_TEST_SECRET_" + Guid.NewGuid().ToString("N");
        var secret = SecretReference.FromEnvironment(name);
        Environment.SetEnvironmentVariable(name, "from-env");
        try
        {
            Assert.Equal("from-env", await secret.ResolveAsync());
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public async Task Unset_environment_variable_names_the_variable()
    {
        var error = await Assert.ThrowsAsync<DeviceConfigurationException>(async () => await SecretReference.FromEnvironment("COHORT_SURELY_UNSET_1234").ResolveAsync());

        Assert.Contains("COHORT_SURELY_UNSET_1234", error.Message);
    }

    [Fact]
    public async Task Resolves_a_file_without_its_trailing_line_break()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, "from-file\n");

            Assert.Equal("from-file", await SecretReference.FromFile(path).ResolveAsync());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Missing_file_is_a_configuration_error()
    {
        await Assert.ThrowsAsync<DeviceConfigurationException>(async () => await SecretReference.FromFile("/nonexistent/cohort/secret").ResolveAsync());
    }

    [Fact]
    public void ToString_never_shows_a_literal_secret()
    {
        Assert.Equal("***", SecretReference.FromValue("hunter2").ToString());
        Assert.Equal("{env: API_TOKEN}", SecretReference.FromEnvironment("API_TOKEN").ToString());
        Assert.Equal("{file: /run/secrets/t}", SecretReference.FromFile("/run/secrets/t").ToString());
    }

    [Fact]
    public void Logging_a_device_configuration_does_not_leak_its_secrets()
    {
        var device = new DeviceConfiguration
        {
            Name = "sonnen",
            Type = "http-json",
            Connection = new DeviceConnection { Url = new Uri("http://10.0.0.6/"), Username = "u", Password = SecretReference.FromValue("hunter2") },
        };
        var logger = new FakeLogger();

        LogConfigured(logger, device);

        var line = logger.LatestRecord.Message;
        Assert.Contains("sonnen", line);
        Assert.Contains("Password = ***", line);
        Assert.DoesNotContain("hunter2", line);
    }
}
