namespace Cohort.Studies.Rules;

/// <summary>Sends a rule's notification (a webhook ships; push providers are added by users).</summary>
public interface INotifier
{
    /// <summary>Sends it; throws when it could not be delivered (the firing is then recorded as failed).</summary>
    ValueTask NotifyAsync(Notification notification, CancellationToken cancellationToken = default);
}

/// <summary>What a notifier sends.</summary>
/// <param name="Rule">The rule's name.</param>
/// <param name="Tenant">The tenant (participant, house) it is about.</param>
/// <param name="Value">The aggregate that met the threshold.</param>
/// <param name="FiredAt">When the rule fired.</param>
/// <param name="Message">The rule's message, if it has one.</param>
public sealed record Notification(string Rule, string Tenant, double Value, DateTimeOffset FiredAt, string? Message);
