using Cohort.Core;
using Cohort.Formulas;

namespace Cohort.Formulas.Tests;

public class TimeFunctionTests
{
    private const long S = 1_000_000_000;
    private static readonly FieldReference Power = new("meter", "kw");

    private static double?[] Evaluate(string formula, params (long Seconds, double Value)[] samples)
    {
        var series = new TimeSeries(samples.Select(s => s.Seconds * S).ToArray(), samples.Select(s => s.Value).ToArray());
        var result = Formula.Parse(formula).Compile().Evaluate(new Dictionary<FieldReference, TimeSeries> { [Power] = series });
        return [.. Enumerable.Range(0, result.Count).Select(result.ValueAt)];
    }

    [Fact]
    public void Delta_is_the_change_since_the_previous_row() =>
        Assert.Equal([null, 2, -1, null, null], Evaluate("delta(meter.kw)", (0, 1), (1, 3), (2, 2), (3, double.NaN), (4, 5)));

    [Fact]
    public void Rate_is_the_change_per_second() =>
        Assert.Equal([null, 1, 0.5], Evaluate("rate(meter.kw)", (0, 0), (10, 10), (20, 15)));

    [Fact]
    public void Integral_is_trapezoidal_and_takes_a_unit_for_kWh_from_kW()
    {
        Assert.Equal([0, 7200], Evaluate("integral(meter.kw)", (0, 1), (3600, 3)));
        Assert.Equal([0, 2, 2, 2, 5.5], Evaluate("integral(meter.kw, 1h)", (0, 1), (3600, 3), (7200, double.NaN), (10800, 4), (14400, 3)));
        Assert.Equal([null, 0, 1], Evaluate("integral(meter.kw, 1s)", (0, double.NaN), (1, 1), (2, 1)));
    }

    [Fact]
    public void Moving_average_covers_the_trailing_window_of_present_values() =>
        Assert.Equal([1, 2, 4, 5, null], Evaluate("moving_avg(meter.kw, 10s)", (0, 1), (5, 3), (10, 5), (16, double.NaN), (30, double.NaN)));

    [Fact]
    public void Shift_reads_the_value_at_or_before_the_offset_in_the_past() =>
        Assert.Equal([null, null, 1, 2, 3], Evaluate("shift(meter.kw, 10s)", (0, 1), (5, 2), (10, 3), (17, 4), (20, 5)));

    [Fact]
    public void Time_aware_functions_combine_with_pointwise_ones() =>
        Assert.Equal([null, 4, -2], Evaluate("2 * delta(pos(meter.kw))", (0, -1), (1, 2), (2, 1)));
}
