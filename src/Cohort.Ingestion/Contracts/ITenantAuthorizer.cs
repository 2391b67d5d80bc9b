using Cohort.Core;

namespace Cohort.Ingestion;

/// <summary>Decides whether a source may write a tenant's data. A refused message is dead-lettered whole.</summary>
public interface ITenantAuthorizer
{
    /// <summary>Whether the source <paramref name="sourceId"/> may write data of <paramref name="tenant"/>.</summary>
    ValueTask<bool> IsAllowedAsync(string sourceId, Tenant tenant, CancellationToken cancellationToken = default);
}
