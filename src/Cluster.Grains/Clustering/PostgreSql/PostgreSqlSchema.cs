namespace Cluster.Grains.Clustering.PostgreSql;

/// <summary>
/// The coordination store's schema as numbered migrations. A database records the last one applied in
/// <c>cluster_schema_version</c>; start-up applies the missing ones. Never edit a published migration: add the next one.
/// </summary>
internal static class PostgreSqlSchema
{
    /// <summary>Key of the transaction-scoped advisory lock that serialises migrations (silos starting together would otherwise race on <c>CREATE TABLE</c>).</summary>
    public const long MigrationLockKey = 0x436C_7573_7465_7201; // "Cluster" + 1

    /// <summary>Creates the version table; safe to run any number of times.</summary>
    public const string CreateVersionTable = """
        CREATE TABLE IF NOT EXISTS cluster_schema_version (
            version     integer     PRIMARY KEY,
            description text        NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now()
        );
        """;

    /// <summary>The migrations in order; each runs once, in the same transaction as its version row.</summary>
    public static readonly IReadOnlyList<(int Version, string Description, string Sql)> Migrations =
    [
        (1, "membership table, membership version, grain directory", """
            CREATE TABLE IF NOT EXISTS cluster_membership_version (
                cluster_id  text        PRIMARY KEY,
                version     integer     NOT NULL,
                updated_at  timestamptz NOT NULL DEFAULT now()
            );

            CREATE TABLE IF NOT EXISTS cluster_membership (
                cluster_id      text        NOT NULL,
                endpoint        text        NOT NULL,
                generation      bigint      NOT NULL,
                status          text        NOT NULL CHECK (status IN ('Joining', 'Active', 'ShuttingDown', 'Dead')),
                host_name       text        NOT NULL,
                roles           text[]      NOT NULL DEFAULT '{}',
                suspect_times   jsonb       NOT NULL DEFAULT '[]',
                start_time      timestamptz NOT NULL,
                i_am_alive_time timestamptz NOT NULL,
                etag            integer     NOT NULL,
                PRIMARY KEY (cluster_id, endpoint, generation)
            );

            CREATE TABLE IF NOT EXISTS cluster_grain_directory (
                cluster_id         text        NOT NULL,
                grain_type         text        NOT NULL,
                grain_key          text        NOT NULL,
                silo_endpoint      text        NOT NULL,
                silo_generation    bigint      NOT NULL,
                activation_id      uuid        NOT NULL,
                membership_version bigint      NOT NULL,
                registered_at      timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (cluster_id, grain_type, grain_key)
            );

            CREATE INDEX IF NOT EXISTS cluster_grain_directory_by_silo
                ON cluster_grain_directory (cluster_id, silo_endpoint, silo_generation);
            """),
        (2, "publishing point settings", """
            CREATE TABLE IF NOT EXISTS publishing_points (
                cluster_id  text        NOT NULL,
                path        text        NOT NULL,
                settings    jsonb       NOT NULL,
                updated_at  timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (cluster_id, path)
            );
            """),
        (3, "membership rows as Orleans writes them; the home-made runtime's tables dropped", """
            DROP TABLE IF EXISTS cluster_grain_directory;
            DROP TABLE IF EXISTS cluster_membership;
            DROP TABLE IF EXISTS cluster_membership_version;

            CREATE TABLE IF NOT EXISTS orleans_membership_version (
                cluster_id  text        PRIMARY KEY,
                version     integer     NOT NULL,
                updated_at  timestamptz NOT NULL DEFAULT now()
            );

            CREATE TABLE IF NOT EXISTS orleans_membership (
                cluster_id      text        NOT NULL,
                silo_address    text        NOT NULL,
                status          integer     NOT NULL,
                proxy_port      integer     NOT NULL,
                host_name       text        NOT NULL,
                silo_name       text        NOT NULL,
                role_name       text        NOT NULL,
                update_zone     integer     NOT NULL,
                fault_zone      integer     NOT NULL,
                suspect_times   jsonb       NOT NULL DEFAULT '[]',
                start_time      timestamptz NOT NULL,
                i_am_alive_time timestamptz NOT NULL,
                etag            integer     NOT NULL,
                PRIMARY KEY (cluster_id, silo_address)
            );
            """),
    ];

    /// <summary>The schema version this build writes and reads.</summary>
    public static int LatestVersion => Migrations[^1].Version;
}
