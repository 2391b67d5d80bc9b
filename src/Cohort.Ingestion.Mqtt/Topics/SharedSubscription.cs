namespace Cohort.Ingestion.Mqtt;

/// <summary>MQTT 5 shared subscriptions: <c>$share/&lt;group&gt;/&lt;filter&gt;</c>.</summary>
internal static class SharedSubscription
{
    private const string Prefix = "$share/";

    /// <summary>The filter of a shared subscription without its <c>$share/&lt;group&gt;/</c> prefix; other filters as they are.</summary>
    public static string StripShare(string filter)
    {
        if (!filter.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return filter;
        }

        var slash = filter.IndexOf('/', Prefix.Length);
        return slash < 0 ? filter : filter[(slash + 1)..];
    }

    /// <summary>The shared form of <paramref name="filter"/> for <paramref name="group"/>, or the filter itself when there is no group.</summary>
    public static string Share(string filter, string? group) =>
        string.IsNullOrEmpty(group) ? filter : Prefix + group + "/" + filter;
}
