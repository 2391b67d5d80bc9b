using Microsoft.Extensions.Options;

namespace Cohort.StudyServer.Measures;

/// <summary>Maps bearer tokens to organisations (tokens are kept as hashes only).</summary>
internal sealed class OrganisationDirectory(IOptions<StudyServerOptions> options)
{
    private readonly (string Organisation, string TokenHash)[] _entries =
        [.. options.Value.Organisations.Select(static o => (o.Name, BearerToken.Hash(o.Token)))];

    /// <summary>
    /// The caller: <c>Known</c> false when a token was presented that no organisation holds (HTTP 401);
    /// <c>Organisation</c> null for an anonymous caller.
    /// </summary>
    public (bool Known, string? Organisation) Resolve(HttpRequest request)
    {
        string? token = BearerToken.Read(request);
        if (token is null)
        {
            return (true, null);
        }

        string? found = null;
        foreach ((string organisation, string hash) in _entries)
        {
            // Every entry is compared, so the time taken does not say which one matched.
            if (BearerToken.HashEquals(hash, token))
            {
                found = organisation;
            }
        }

        return (found is not null, found);
    }
}
