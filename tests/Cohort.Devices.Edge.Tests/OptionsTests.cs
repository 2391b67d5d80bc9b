using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Cohort.Devices.Edge.Tests;

public sealed class OptionsTests
{
    [Theory]
    [InlineData("cohort/{tenant}/{room}", "unknown variable '{room}'")]
    [InlineData("cohort/+/{device}", "'+' is not allowed")]
    public void A_bad_topic_template_is_reported_with_the_option_named(string template, string expected)
    {
        var services = new ServiceCollection();
        services.AddCohortEdgeAgent(o => o.TopicTemplate = template);
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<EdgeAgentOptions>>().Value);
        Assert.Contains("EdgeAgentOptions.TopicTemplate", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_SGMP_topic_layout_and_the_defaults_are_valid()
    {
        var services = new ServiceCollection();
        services.AddCohortEdgeAgent(o => o.TopicTemplate = "sgmp_read/{tenant}/{device_id}/{device}/{timestamp}/data");
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<EdgeAgentOptions>>().Value;
        Assert.Equal("cohort_config/{tenant}/devices", options.ConfigTopic);
        Assert.Equal(256L << 20, options.Buffer.MaxBytes);
    }
}
