using Microsoft.Extensions.Options;
using Npgsql;

namespace Cluster.Runtime.Membership;

/// <summary>Where the cluster's coordination data (membership table, grain directory) is kept.</summary>
public enum ClusterStorageProvider
{
    /// <summary>In this process only: a single-node cluster, or several silos in one process sharing an <see cref="InMemoryClusterStore"/>.</summary>
    InMemory = 0,

    /// <summary>A PostgreSQL database shared by every silo (<see cref="ClusterStorageOptions.ConnectionString"/>).</summary>
    PostgreSql = 1,
}

/// <summary>Settings common to the membership table and the grain directory stores.</summary>
public abstract class ClusterStorageOptions
{
    /// <summary>Longest <see cref="ClusterId"/> accepted.</summary>
    public const int MaxClusterIdLength = 128;

    /// <summary>Where the data is kept. Default: <see cref="ClusterStorageProvider.InMemory"/>.</summary>
    public ClusterStorageProvider Provider { get; set; } = ClusterStorageProvider.InMemory;

    /// <summary>
    /// Npgsql connection string of the database (e.g. <c>Host=db;Database=cluster;Username=cluster;Password=...</c>);
    /// required when <see cref="Provider"/> is <see cref="ClusterStorageProvider.PostgreSql"/>. Default: none.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Name of the cluster (Orleans' <c>ClusterOptions.ClusterId</c>): silos see only rows with their own cluster id, so
    /// several clusters can share one database. At most <see cref="MaxClusterIdLength"/> characters. Default: <c>dev</c>.
    /// </summary>
    public string ClusterId { get; set; } = "dev";
}

/// <summary>Settings of the membership table (configuration section <see cref="SectionName"/>).</summary>
public sealed class ClusterMembershipOptions : ClusterStorageOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string SectionName = "Cluster:Membership";
}

/// <summary>Checks <see cref="ClusterStorageOptions"/> at start-up.</summary>
internal sealed class ClusterStorageOptionsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : ClusterStorageOptions
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(options.Provider))
        {
            problems.Add($"{nameof(ClusterStorageOptions.Provider)} must be {string.Join(" or ", Enum.GetNames<ClusterStorageProvider>())} (was {options.Provider}).");
        }

        if (string.IsNullOrWhiteSpace(options.ClusterId) || options.ClusterId.Length > ClusterStorageOptions.MaxClusterIdLength)
        {
            problems.Add($"{nameof(ClusterStorageOptions.ClusterId)} must be non-empty and at most {ClusterStorageOptions.MaxClusterIdLength} characters (was '{options.ClusterId}').");
        }

        if (options.Provider == ClusterStorageProvider.PostgreSql)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                problems.Add($"{nameof(ClusterStorageOptions.ConnectionString)} is required when {nameof(ClusterStorageOptions.Provider)} is {ClusterStorageProvider.PostgreSql}.");
            }
            else
            {
                try
                {
                    _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                }
                catch (ArgumentException ex)
                {
                    // The message names the bad keyword but never echoes the string, which may hold a password.
                    problems.Add($"{nameof(ClusterStorageOptions.ConnectionString)} is not a valid Npgsql connection string: {ex.Message}");
                }
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
