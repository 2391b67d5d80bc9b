using Cohort.Core;
using Microsoft.Extensions.Options;

namespace Cohort.Ingestion.Tenancy;

/// <summary>
/// Authorizes sources from <see cref="IngestionOptions.SourceTenants"/>: an empty map allows everything; otherwise a
/// source may write the tenants listed for it (<c>*</c> for any) and an unlisted source may write none.
/// </summary>
internal sealed class OptionsTenantAuthorizer(IOptions<IngestionOptions> options) : ITenantAuthorizer
{
    private readonly IDictionary<string, ISet<string>> _map = options.Value.SourceTenants;

    public ValueTask<bool> IsAllowedAsync(string sourceId, Tenant tenant, CancellationToken cancellationToken = default)
    {
        if (_map.Count == 0)
        {
            return ValueTask.FromResult(true);
        }

        var allowed = _map.TryGetValue(sourceId, out var tenants) && (tenants.Contains(tenant.Id) || tenants.Contains("*"));
        return ValueTask.FromResult(allowed);
    }
}
