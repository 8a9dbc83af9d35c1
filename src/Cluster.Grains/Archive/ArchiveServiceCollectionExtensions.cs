using Cluster.Grains.Sessions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cluster.Grains.Archive;

/// <summary>Registers the live-to-VOD archive.</summary>
internal static class ArchiveServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ArchiveOptions"/> (bound from <c>Cluster:Archive</c>, validated at start-up), the
    /// <see cref="IArchiveLibrary"/> singleton and the recorder factory as an <see cref="ISessionFollowerFactory"/>.
    /// Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddClusterArchive(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ArchiveOptions>()
            .Bind(configuration.GetSection(ArchiveOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ArchiveOptions>, ArchiveOptionsValidator>());

        // The library resolves archive folders against the node's data folder, which only the configuration knows.
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<ArchiveLibrary>(sp, configuration));
        services.TryAddSingleton<IArchiveLibrary>(sp => sp.GetRequiredService<ArchiveLibrary>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISessionFollowerFactory, ArchiveFollowerFactory>());
        return services;
    }

    private sealed class ArchiveOptionsValidator : IValidateOptions<ArchiveOptions>
    {
        public ValidateOptionsResult Validate(string? name, ArchiveOptions options)
        {
            var problems = options.Validate().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
