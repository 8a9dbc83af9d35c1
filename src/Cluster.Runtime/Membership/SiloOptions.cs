using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Cluster.Runtime.Membership;

/// <summary>Identity of this silo in the cluster (configuration section <see cref="SectionName"/>).</summary>
public sealed class SiloOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string SectionName = "Cluster:Silo";

    /// <summary>The <see cref="Endpoint"/> of a silo running alone, which nothing dials.</summary>
    public const string StandaloneEndpoint = "standalone:0";

    /// <summary>
    /// Where other silos and gateways reach this one, <c>host:port</c> (e.g. <c>10.0.0.5:11111</c>): the silo listens
    /// there for grain calls and membership probes over HTTP/2 without TLS, apart from the public HTTP port. Default:
    /// <see cref="StandaloneEndpoint"/> (nothing listens) when the membership table is in memory, so a single node needs
    /// no setting; required with a shared (PostgreSQL) membership table.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>Roles of this silo written into its membership row (e.g. <c>origin</c>). Default: none.</summary>
    public IList<string> Roles { get; } = [];

    /// <summary>Whether this silo only runs alone (its endpoint is <see cref="StandaloneEndpoint"/>).</summary>
    public bool IsStandalone => Endpoint == StandaloneEndpoint;
}

/// <summary>Makes a silo with an in-memory membership table standalone when it has no <see cref="SiloOptions.Endpoint"/>.</summary>
internal sealed class SiloOptionsSetup(IConfiguration configuration) : IPostConfigureOptions<SiloOptions>
{
    public void PostConfigure(string? name, SiloOptions options)
    {
        var membership = configuration.GetSection(ClusterMembershipOptions.SectionName).Get<ClusterMembershipOptions>() ?? new ClusterMembershipOptions();
        if (string.IsNullOrWhiteSpace(options.Endpoint) && membership.Provider == ClusterStorageProvider.InMemory)
        {
            options.Endpoint = SiloOptions.StandaloneEndpoint;
        }
    }
}

/// <summary>Checks <see cref="SiloOptions"/> at start-up.</summary>
internal sealed class SiloOptionsValidator : IValidateOptions<SiloOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Endpoint))
        {
            return ValidateOptionsResult.Fail($"{SiloOptions.SectionName}:{nameof(SiloOptions.Endpoint)} is required with a shared membership table: the host:port (e.g. 10.0.0.5:11111) other silos and gateways reach this silo at.");
        }

        return options.Endpoint.Any(c => char.IsWhiteSpace(c) || c == '@' || c == '/')
            ? ValidateOptionsResult.Fail($"{SiloOptions.SectionName}:{nameof(SiloOptions.Endpoint)} must be host:port without whitespace, '@' or '/' (was '{options.Endpoint}').")
            : ValidateOptionsResult.Success;
    }
}
