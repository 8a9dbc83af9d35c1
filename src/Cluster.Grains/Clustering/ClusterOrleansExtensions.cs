using Azure.Data.Tables;
using Cluster.Grains.Clustering.PostgreSql;
using Cluster.Grains.Placement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Messaging;

namespace Cluster.Grains.Clustering;

/// <summary>
/// Makes a process an Orleans silo of the cluster, or a gateway-only Orleans client of it, from the product's
/// configuration (<see cref="ClusterStoreOptions"/>, <see cref="ClusterSiloOptions"/>). Settings are checked here, as
/// the host is built: a node with bad settings does not start.
/// </summary>
public static class ClusterOrleansExtensions
{
    /// <summary>Orleans' service id: the same for every cluster of this product.</summary>
    public const string ServiceId = "cluster";

    /// <summary>
    /// Configures the silo: clustering on the chosen store, failure detection tuned for live video, the strongly
    /// consistent distributed grain directory (a point or track holds the only copy of its DVR: a second activation
    /// would split it; decision 0009), and the placement that keeps tracks with their point.
    /// </summary>
    /// <exception cref="InvalidOperationException">A setting is invalid.</exception>
    public static ISiloBuilder AddClusterSilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configuration);
        var store = Read<ClusterStoreOptions>(configuration, ClusterStoreOptions.SectionName).Validated();
        var node = Read<ClusterSiloOptions>(configuration, ClusterSiloOptions.SectionName);
        var endpoint = node.ParseEndpoint();
        var gatewayPort = node.ResolveGatewayPort(endpoint.Port);
        if (store.Provider == ClusterStoreProvider.Localhost)
        {
            silo.UseLocalhostClustering(endpoint.Port, gatewayPort, serviceId: ServiceId, clusterId: store.ClusterId);
        }
        else
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (store.ClusterId, ServiceId));
            silo.ConfigureEndpoints(endpoint.Address, endpoint.Port, gatewayPort, listenOnAnyHostAddress: !endpoint.Address.Equals(System.Net.IPAddress.Loopback));
            UseStore(silo, store);
        }

        var callTimeout = node.ResolveCallTimeout();
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = callTimeout);
        silo.Configure<SiloOptions>(o => o.SiloName = string.IsNullOrWhiteSpace(node.Name) ? Environment.MachineName : node.Name);
        silo.Configure<ClusterMembershipOptions>(o => TuneFailureDetection(o, store));
#pragma warning disable ORLEANSEXP003 // Experimental in 10.4.2, and the one built-in directory that stays consistent through crashes.
        silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
        silo.AddPlacementDirector<PointPlacement, PointPlacementDirector>();
        if (Read<ClusterTlsOptions>(configuration, ClusterTlsOptions.SectionName).Resolve() is var (certificate, tls))
        {
            silo.UseTls(certificate, tls);
        }

        return silo;
    }

    /// <summary>
    /// Configures a gateway-only node: an Orleans client that finds the cluster's gateways in the same store (with
    /// <see cref="ClusterStoreProvider.Localhost"/>, the local silo's gateway port, <c>Cluster:Silo:GatewayPort</c>).
    /// Every grain call takes one more hop than on a silo with the gateway co-hosted.
    /// </summary>
    /// <exception cref="InvalidOperationException">A setting is invalid.</exception>
    public static IClientBuilder AddClusterClient(this IClientBuilder client, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(configuration);
        var store = Read<ClusterStoreOptions>(configuration, ClusterStoreOptions.SectionName).Validated();
        var node = Read<ClusterSiloOptions>(configuration, ClusterSiloOptions.SectionName);
        client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (store.ClusterId, ServiceId));
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = store.TableRefreshInterval);
        var callTimeout = node.ResolveCallTimeout();
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = callTimeout);
        switch (store.Provider)
        {
            case ClusterStoreProvider.Localhost:
                client.UseLocalhostClustering(node.ResolveGatewayPort(ClusterSiloOptions.DefaultSiloPort), ServiceId, store.ClusterId);
                break;
            case ClusterStoreProvider.AzureStorage:
                client.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(store.ConnectionString));
                break;
            default:
                client.Services.AddClusterPostgreSql();
                client.Services.AddSingleton<IGatewayListProvider>(sp => new PostgreSqlGatewayListProvider(CreateTable(sp, store), store.TableRefreshInterval));
                break;
        }

        if (Read<ClusterTlsOptions>(configuration, ClusterTlsOptions.SectionName).Resolve() is var (certificate, tls))
        {
            client.UseTls(certificate, tls);
        }

        return client;
    }

    private static void UseStore(ISiloBuilder silo, ClusterStoreOptions store)
    {
        if (store.Provider == ClusterStoreProvider.AzureStorage)
        {
            silo.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(store.ConnectionString));
            return;
        }

        silo.Services.AddClusterPostgreSql();
        silo.Services.AddSingleton<IMembershipTable>(sp => CreateTable(sp, store));
    }

    private static PostgreSqlMembershipTable CreateTable(IServiceProvider services, ClusterStoreOptions store) =>
        new(
            services.GetRequiredService<PostgreSqlStores>().Get(store.ConnectionString!),
            store.ClusterId,
            services.GetRequiredService<ILoggerFactory>().CreateLogger<PostgreSqlMembershipTable>());

    private static void TuneFailureDetection(ClusterMembershipOptions options, ClusterStoreOptions store)
    {
        options.ProbeTimeout = store.ProbeTimeout;
        options.NumMissedProbesLimit = store.MissedProbesLimit;
        options.TableRefreshTimeout = store.TableRefreshInterval;

        // A vote must outlive the probes that lead to the second one; Orleans' 2 minutes would keep stale votes around.
        options.DeathVoteExpirationTimeout = store.ProbeTimeout * store.MissedProbesLimit * 10;
        options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
    }

    private static T Read<T>(IConfiguration configuration, string section)
        where T : new() => configuration.GetSection(section).Get<T>() ?? new T();
}
