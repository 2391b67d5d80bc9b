namespace Cohort.Storage.Sqlite.Internal;

/// <summary>
/// The versioned schema. Each migration runs once, in a transaction with the row that records it, so opening a
/// database any number of times (from any number of processes) leaves it at <see cref="LatestVersion"/>.
/// </summary>
internal static class SqliteSchema
{
    public const string CreateVersionTable =
        "CREATE TABLE IF NOT EXISTS cohort_schema (version INTEGER NOT NULL PRIMARY KEY, description TEXT NOT NULL);";

    /// <summary>The migrations in order; the version of migration <c>i</c> is <c>i + 1</c>.</summary>
    public static readonly IReadOnlyList<(string Description, string Sql)> Migrations =
    [
        ("series, fields and points",
         """
         CREATE TABLE IF NOT EXISTS series (
             id          INTEGER PRIMARY KEY,
             tenant      TEXT NOT NULL,
             measurement TEXT NOT NULL,
             tags        TEXT NOT NULL,
             tags_json   TEXT NOT NULL,
             UNIQUE (tenant, measurement, tags)
         );
         CREATE TABLE IF NOT EXISTS fields (
             id          INTEGER PRIMARY KEY,
             tenant      TEXT NOT NULL,
             measurement TEXT NOT NULL,
             field       TEXT NOT NULL,
             kind        INTEGER NOT NULL,
             UNIQUE (tenant, measurement, field)
         );
         CREATE TABLE IF NOT EXISTS points (
             series_id INTEGER NOT NULL,
             time      INTEGER NOT NULL,
             field_id  INTEGER NOT NULL,
             value     NOT NULL,
             PRIMARY KEY (series_id, time, field_id)
         ) WITHOUT ROWID;
         """),
    ];

    public static int LatestVersion => Migrations.Count;
}
