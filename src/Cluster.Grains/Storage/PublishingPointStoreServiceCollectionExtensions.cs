using Azure.Data.Tables;
using Cluster.Contracts.PublishingPoints;
using Cluster.Grains.Clustering;
using Cluster.Grains.Clustering.PostgreSql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Grains.Storage;

/// <summary>Registers where publishing point settings are persisted.</summary>
public static partial class PublishingPointStoreServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="IPublishingPointStore"/> that <see cref="PublishingPointStoreOptions"/> choose: the store the
    /// membership table is in (<c>Cluster:Membership:Provider</c> <c>PostgreSql</c> or <c>AzureStorage</c>; its
    /// connection string and cluster id), otherwise a file per point under <c>{Cluster:DataPath}/points</c>;
    /// <c>Cluster:PublishingPoints:Store</c> (<c>InMemory</c>, <c>File</c>, <c>PostgreSql</c> or <c>AzureTable</c>) chooses explicitly.
    /// The options are validated when the host starts. A store registered before this call is kept.
    /// </summary>
    public static IServiceCollection AddPublishingPointStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddLogging();
        services.AddClusterPostgreSql();
        services.AddOptions<PublishingPointStoreOptions>()
            .Bind(configuration.GetSection(PublishingPointStoreOptions.SectionName))
            .Configure(options =>
            {
                configuration.GetSection(ClusterStoreOptions.SectionName).Bind(options.Membership);
                options.DataFolder = NodeDataPath.Resolve(configuration);
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PublishingPointStoreOptions>, PublishingPointStoreOptionsValidator>());
        services.TryAddSingleton<IPublishingPointStore>(Create);
        return services;
    }

    private static IPublishingPointStore Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<PublishingPointStoreOptions>>().Value;
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var logger = loggers.CreateLogger(typeof(IPublishingPointStore).FullName!);
        switch (options.Resolve())
        {
            case PublishingPointStoreKind.InMemory:
                LogInMemory(logger);
                return new InMemoryPublishingPointStore();
            case PublishingPointStoreKind.PostgreSql:
                LogPostgreSql(logger, options.Membership.ClusterId);
                return new PostgreSqlPublishingPointStore(
                    ClusterPostgreSql.GetDatabase(services, options.Membership.ConnectionString!),
                    options.Membership.ClusterId,
                    loggers.CreateLogger<PostgreSqlPublishingPointStore>());
            case PublishingPointStoreKind.AzureTable:
                LogAzureTable(logger, options.Membership.ClusterId);
                return new AzureTablePublishingPointStore(
                    new TableServiceClient(options.Membership.ConnectionString),
                    options.Membership.ClusterId,
                    loggers.CreateLogger<AzureTablePublishingPointStore>());
            default:
                LogFile(logger, options.PointsFolder);
                return new FilePublishingPointStore(options.PointsFolder, loggers.CreateLogger<FilePublishingPointStore>());
        }
    }

    [LoggerMessage(EventId = 1810, Level = LogLevel.Warning, Message = "Publishing point settings are kept in memory only: points created or changed through the admin API are lost when this node stops")]
    private static partial void LogInMemory(ILogger logger);

    [LoggerMessage(EventId = 1811, Level = LogLevel.Information, Message = "Publishing point settings are kept in {Folder}")]
    private static partial void LogFile(ILogger logger, string folder);

    [LoggerMessage(EventId = 1812, Level = LogLevel.Information, Message = "Publishing point settings are kept in the cluster's PostgreSQL database (cluster {ClusterId})")]
    private static partial void LogPostgreSql(ILogger logger, string clusterId);

    [LoggerMessage(EventId = 1813, Level = LogLevel.Information, Message = "Publishing point settings are kept in the cluster's Azure Storage account, table ClusterPublishingPoints (cluster {ClusterId})")]
    private static partial void LogAzureTable(ILogger logger, string clusterId);
}
