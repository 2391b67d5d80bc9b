using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Cohort.Ingestion.Mqtt;

namespace Cohort.Ingestion.Mqtt.Tests.Topics;

public sealed class MqttTopicTemplateTests
{
    private static readonly MqttTopicTemplate Sgmp = MqttTopicTemplate.Parse("sgmp/{tenant}/{device_id}/{device}/{timestamp}/data");

    [Fact]
    public void Sgmp_layout_gives_filter_and_values()
    {
        Assert.Equal("sgmp/+/+/+/+/data", Sgmp.SubscriptionFilter);
        Assert.Equal(["tenant", "device_id", "device", "timestamp"], Sgmp.Variables.ToArray());
        Assert.True(Sgmp.TryMatch("sgmp/house7/12/egauge/1700000000000/data", out var values));
        Assert.Equal("house7", values["tenant"]);
        Assert.Equal("12", values["device_id"]);
        Assert.Equal("egauge", values["device"]);
        Assert.Equal("1700000000000", values["timestamp"]);
    }

    [Theory]
    [InlineData("sgmp/house7/12/egauge/1700000000000/other")]
    [InlineData("sgmp/house7/12/egauge/1700000000000")]
    [InlineData("sgmp/house7/12/egauge/1700000000000/data/extra")]
    [InlineData("sgmp//12/egauge/1700000000000/data")]
    [InlineData("other/house7/12/egauge/1700000000000/data")]
    public void Topics_that_do_not_fit_do_not_match(string topic) => Assert.False(Sgmp.TryMatch(topic, out _));

    [Theory]
    [InlineData("", 1)]
    [InlineData("cohort/{tenant", 8)]
    [InlineData("cohort/+/data", 8)]
    [InlineData("cohort/{a}/{a}", 12)]
    [InlineData("cohort/#", 8)]
    [InlineData("cohort/x{y}", 9)]
    public void Bad_templates_name_the_column(string template, int column)
    {
        var error = Assert.Throws<FormatException>(() => MqttTopicTemplate.Parse(template));
        Assert.StartsWith($"column {column}:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_refuses_missing_and_multi_level_values()
    {
        var template = MqttTopicTemplate.Parse("cohort/{tenant}/{device}");
        Assert.Equal("cohort/h1/pv", template.Format(new Dictionary<string, string> { ["tenant"] = "h1", ["device"] = "pv" }));
        Assert.Throws<ArgumentException>(() => template.Format(new Dictionary<string, string> { ["tenant"] = "h1" }));
        Assert.Throws<ArgumentException>(() => template.Format(new Dictionary<string, string> { ["tenant"] = "h1", ["device"] = "a/b" }));
        Assert.Throws<ArgumentException>(() => template.Format(new Dictionary<string, string> { ["tenant"] = "h1", ["device"] = "+" }));
    }

    [Property]
    public Property Match_after_format_gives_the_values_back()
    {
        var level = Gen.Elements("a", "b", "house-1", "x_y", "Ünï", "12", "a b").NonEmptyListOf().Select(l => string.Concat(l));
        return Prop.ForAll(Gen.Three(level).ToArbitrary(), values =>
        {
            var template = MqttTopicTemplate.Parse("p/{tenant}/{device}/mid/{field}");
            var map = new Dictionary<string, string> { ["tenant"] = values.Item1, ["device"] = values.Item2, ["field"] = values.Item3 };
            return template.TryMatch(template.Format(map), out var back) && back.Count == 3
                && back["tenant"] == values.Item1 && back["device"] == values.Item2 && back["field"] == values.Item3;
        });
    }
}
