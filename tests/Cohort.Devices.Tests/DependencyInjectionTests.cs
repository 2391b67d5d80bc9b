using Cohort.Devices.Configuration;
using Cohort.Devices.Drivers;
using Cohort.Devices.Polling;
using Cohort.Devices.Tests.Polling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Devices.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public void AddCohortDevices_registers_the_built_in_driver_types()
    {
        using var provider = new ServiceCollection().AddCohortDevices().Services.BuildServiceProvider();

        var registry = provider.GetRequiredService<DeviceDriverRegistry>();

        Assert.Equal(["egauge", "http-json", "modbus-tcp", "simulated"], registry.Types);
    }

    [Fact]
    public void Third_party_drivers_are_added_by_type_name_and_can_replace_built_in_ones()
    {
        var services = new ServiceCollection();
        services.AddCohortDevices().AddDriver<FlakyDriver>("relay-board").AddDriver<FlakyDriver>("egauge");
        services.AddCohortDevices(); // a second call adds nothing
        using var provider = services.BuildServiceProvider();

        var registry = provider.GetRequiredService<DeviceDriverRegistry>();

        Assert.Equal(["egauge", "http-json", "modbus-tcp", "relay-board", "simulated"], registry.Types);
        Assert.IsType<FlakyDriver>(registry.GetDriver("RELAY-BOARD"));
        Assert.Same(registry.GetDriver("relay-board"), registry.GetDriver("egauge"));
        Assert.Throws<KeyNotFoundException>(() => registry.GetDriver("sunspec"));
    }

    [Fact]
    public async Task Edge_polling_runs_as_a_hosted_service_into_the_registered_sink()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var sink = new ListSink();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<IReadingSink>(sink);
        services.AddCohortEdgePolling(o =>
        {
            o.Jitter = 0;
            o.Configuration = new HouseConfiguration { Devices = [TestDevices.Simulated("pv"), TestDevices.Flaky("relay")] };
        }).AddDriver<FlakyDriver>("flaky");
        await using var provider = services.BuildServiceProvider();
        var hosted = Assert.Single(provider.GetServices<IHostedService>());

        await hosted.StartAsync(CancellationToken.None);
        await TestDrivers.WaitUntil(() => sink.Count("pv") == 1 && sink.Count("relay") == 1, "a reading of each device");
        time.Advance(TimeSpan.FromSeconds(1));
        await TestDrivers.WaitUntil(() => sink.Count("pv") == 2, "the second reading");
        await hosted.StopAsync(CancellationToken.None);

        Assert.Equal(2, sink.Count("pv"));
        Assert.All(sink.Readings, r => Assert.Contains(r.DeviceName, new[] { "pv", "relay" }));
    }

    [Fact]
    public async Task Edge_polling_refuses_an_invalid_configuration_at_start()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IReadingSink>(new ListSink());
        services.AddCohortEdgePolling(o => o.Configuration = new HouseConfiguration { Devices = [TestDevices.Simulated("a"), TestDevices.Simulated("a")] });
        await using var provider = services.BuildServiceProvider();
        var hosted = (BackgroundService)provider.GetServices<IHostedService>().Single();

        await hosted.StartAsync(CancellationToken.None);
        var error = await Assert.ThrowsAsync<DeviceConfigurationException>(() => hosted.ExecuteTask!);

        Assert.Equal("$.devices[1].name", Assert.Single(error.Problems).Path);
    }

    [Fact]
    public void Edge_polling_options_are_validated()
    {
        var services = new ServiceCollection();
        services.AddCohortEdgePolling(o => o.Jitter = 2);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DevicePollingOptions>>().Value);

        Assert.Contains("Jitter", error.Message);
    }
}
