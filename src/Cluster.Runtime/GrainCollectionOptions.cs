using Microsoft.Extensions.Options;

namespace Cluster.Runtime;

/// <summary>Idle collection and deactivation settings of the activation catalog (Orleans' <c>GrainCollectionOptions</c>).</summary>
public sealed class GrainCollectionOptions
{
    /// <summary>Largest <see cref="CollectionQuantum"/> accepted (timers cannot span more than about 49 days).</summary>
    public static readonly TimeSpan MaxCollectionQuantum = TimeSpan.FromDays(1);

    /// <summary>
    /// How long an activation may go without a call before it is collected. Default: 15 minutes. A grain class
    /// overrides it with <see cref="CollectionAgeLimitAttribute"/>; <see cref="KeepAliveAttribute"/> classes are never collected.
    /// </summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for. Default: 1 minute; at most <see cref="MaxCollectionQuantum"/>.</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long <see cref="Grain.OnDeactivateAsync"/> may take; its cancellation token is cancelled after this time and
    /// the activation is then abandoned so a new one can start. Default: 30 seconds.
    /// </summary>
    public TimeSpan DeactivationTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Checks <see cref="GrainCollectionOptions"/> at start-up.</summary>
internal sealed class GrainCollectionOptionsValidator : IValidateOptions<GrainCollectionOptions>
{
    public ValidateOptionsResult Validate(string? name, GrainCollectionOptions options)
    {
        var problems = new List<string>();
        if (options.CollectionAge <= TimeSpan.Zero)
        {
            problems.Add($"{nameof(GrainCollectionOptions.CollectionAge)} must be positive (was {options.CollectionAge}).");
        }

        if (options.CollectionQuantum <= TimeSpan.Zero || options.CollectionQuantum > GrainCollectionOptions.MaxCollectionQuantum)
        {
            problems.Add($"{nameof(GrainCollectionOptions.CollectionQuantum)} must be positive and at most {GrainCollectionOptions.MaxCollectionQuantum} (was {options.CollectionQuantum}).");
        }

        if (options.DeactivationTimeout <= TimeSpan.Zero)
        {
            problems.Add($"{nameof(GrainCollectionOptions.DeactivationTimeout)} must be positive (was {options.DeactivationTimeout}).");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
