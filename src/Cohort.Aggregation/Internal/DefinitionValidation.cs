using Cohort.Core;

namespace Cohort.Aggregation.Internal;

/// <summary>Semantic checks of one definition; every problem names its camelCase property.</summary>
internal static class DefinitionValidation
{
    public static TimeZoneInfo? Validate(MeasureDefinition d, string prefix, int index, List<Rejection> errors)
    {
        void Error(string property, string reason) => errors.Add(new Rejection(reason) { Field = prefix + "." + property, Index = index });

        if (string.IsNullOrWhiteSpace(d.Name))
        {
            Error("name", "A measure needs a non-empty name.");
        }

        CheckKey("group1Key", d.Group1Key);
        CheckKey("group2Key", d.Group2Key);
        CheckKey("group3Key", d.Group3Key);
        if (d.Group2Key is not null && d.Group1Key is null)
        {
            Error("group2Key", "group2Key needs group1Key.");
        }

        if (d.Group3Key is not null && d.Group2Key is null)
        {
            Error("group3Key", "group3Key needs group2Key.");
        }

        if (!Enum.IsDefined(d.AggregationPeriod))
        {
            Error("aggregationPeriod", "The aggregation period must be hour, day, week or month.");
        }

        TimeZoneInfo? zone = null;
        if (d.TimeZone is not null && !TryFindZone(d.TimeZone, out zone))
        {
            Error("timeZone", $"'{d.TimeZone}' is not a known time zone.");
        }

        if (d.AggregationThreshold < 1)
        {
            Error("aggregationThreshold", "The aggregation threshold must be at least 1.");
        }

        if ((d.Statistics & ~(MeasureStatistics.Basic | MeasureStatistics.Quartiles)) != 0)
        {
            Error("statistics", "Unknown statistic.");
        }

        if (!d.Percentiles.IsDefault)
        {
            foreach (var p in d.Percentiles)
            {
                if (!(p >= 0 && p <= 1))
                {
                    Error("percentiles", $"The percentile {p} is not between 0 and 1.");
                }
            }
        }

        if (!Enum.IsDefined(d.QuantileMode))
        {
            Error("quantileMode", "The quantile mode must be exact or sketch.");
        }

        if (!(d.SketchRelativeAccuracy > 0 && d.SketchRelativeAccuracy < 1))
        {
            Error("sketchRelativeAccuracy", "The sketch relative accuracy must be between 0 and 1 (exclusive).");
        }

        if (!d.AccessOrgs.IsDefault && d.AccessOrgs.Any(string.IsNullOrEmpty))
        {
            Error("accessOrgs", "Organisation names must not be empty.");
        }

        if (d.RawRetentionDays < 1)
        {
            Error("rawRetentionDays", "Raw measures must be kept at least 1 day.");
        }

        if (d.MaxDaysToUpdateQuartile < 0)
        {
            Error("maxDaysToUpdateQuartile", "maxDaysToUpdateQuartile must not be negative.");
        }

        if (d.Privacy is { } privacy)
        {
            if (!Enum.IsDefined(privacy.Mechanism))
            {
                Error("privacy.mechanism", "The mechanism must be laplace or gaussian.");
            }

            if (!(privacy.Epsilon > 0) || double.IsInfinity(privacy.Epsilon))
            {
                Error("privacy.epsilon", "epsilon must be a positive number.");
            }
            else if (privacy.Mechanism == NoiseMechanism.Gaussian && privacy.Epsilon >= 1)
            {
                Error("privacy.epsilon", "The Gaussian mechanism is calibrated for epsilon below 1.");
            }

            if (privacy.Mechanism == NoiseMechanism.Gaussian && !(privacy.Delta > 0 && privacy.Delta < 1))
            {
                Error("privacy.delta", "delta must be between 0 and 1 (exclusive).");
            }

            if (!double.IsFinite(privacy.LowerBound))
            {
                Error("privacy.lowerBound", "lowerBound must be a finite number.");
            }

            if (!double.IsFinite(privacy.UpperBound) || !(privacy.UpperBound > privacy.LowerBound))
            {
                Error("privacy.upperBound", "upperBound must be a finite number above lowerBound.");
            }

            if (!(privacy.Budget >= privacy.Epsilon) || double.IsInfinity(privacy.Budget))
            {
                Error("privacy.budget", "The budget must be a finite number of at least epsilon.");
            }
        }

        return zone;

        void CheckKey(string property, string? key)
        {
            if (key is not null && key.Length == 0)
            {
                Error(property, "A group key must not be empty.");
            }
        }
    }

    public static bool TryFindZone(string id, out TimeZoneInfo? zone)
    {
        if (string.Equals(id, "UTC", StringComparison.OrdinalIgnoreCase) || string.Equals(id, "Etc/UTC", StringComparison.Ordinal))
        {
            zone = TimeZoneInfo.Utc;
            return true;
        }

        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            zone = null;
            return false;
        }
    }
}
