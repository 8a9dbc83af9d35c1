using Orleans.Messaging;

namespace Cluster.Grains.Clustering.PostgreSql;

/// <summary>
/// Where a gateway-only node (an Orleans client) finds the cluster: the gateway endpoint (silo address with its proxy
/// port) of every Active silo in the PostgreSQL membership table.
/// </summary>
internal sealed class PostgreSqlGatewayListProvider(PostgreSqlMembershipTable table, TimeSpan refreshPeriod) : IGatewayListProvider
{
    public TimeSpan MaxStaleness => refreshPeriod;

    public bool IsUpdatable => true;

    public Task InitializeGatewayListProviderAsync(CancellationToken cancellationToken) => table.InitializeMembershipTableAsync(false, cancellationToken);

    public async Task<IList<Uri>> GetGatewaysAsync(CancellationToken cancellationToken)
    {
        var data = await table.ReadAllAsync(cancellationToken);
        return [.. data.Members
            .Select(m => m.Item1)
            .Where(e => e.Status == SiloStatus.Active && e.ProxyPort > 0)
            .Select(e => SiloAddress.New(e.SiloAddress.Endpoint.Address, e.ProxyPort, e.SiloAddress.Generation).ToGatewayUri())];
    }

#pragma warning disable CS0618 // Orleans calls the *Async methods; the obsolete names forward to them.
    public Task InitializeGatewayListProvider() => InitializeGatewayListProviderAsync(CancellationToken.None);

    public Task<IList<Uri>> GetGateways() => GetGatewaysAsync(CancellationToken.None);
#pragma warning restore CS0618
}
