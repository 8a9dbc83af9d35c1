using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cluster.Integration.Tests.Infrastructure;
using Cluster.Testing;

namespace Cluster.Integration.Tests.Cluster;

/// <summary>
/// Each shared cluster store an operator can choose (<c>Cluster:Membership:Provider</c>) with the real store started by
/// the test: two product nodes form one Orleans cluster on it, see each other as Active, and a point created through
/// one node is the same grain (on the same silo, with the same settings) through the other.
/// </summary>
public sealed class ClusterStoreTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task TwoSilos_OnAzureStorage_FormOneClusterAndShareThePoint()
    {
        await using var azurite = await AzuriteTables.StartAsync();
        await TwoSilosShareOnePointAsync("AzureStorage", azurite.ConnectionString);
    }

    [Fact]
    public async Task TwoSilos_OnPostgreSql_FormOneClusterAndShareThePoint()
    {
        var server = await PostgreSqlInstance.GetSharedAsync();
        await TwoSilosShareOnePointAsync("PostgreSql", await server.CreateDatabaseAsync());
    }

    private static async Task TwoSilosShareOnePointAsync(string provider, string connectionString)
    {
        string[] store = [$"--Cluster:Membership:Provider={provider}", $"--Cluster:Membership:ConnectionString={connectionString}", $"--Cluster:Membership:ClusterId=c{Guid.NewGuid():N}"];
        await using var a = await InProcessSilo.StartAsync([.. store, "--Cluster:Silo:Name=node-a"]);
        await using var b = await InProcessSilo.StartAsync([.. store, "--Cluster:Silo:Name=node-b"]);
        await WaitUntilAsync(async () => (await SilosAsync(a)).Count(s => s.Status == "Active") == 2, "both silos Active in node A's view");
        (await SilosAsync(b)).Select(s => (s.Name, s.Status)).Order().ShouldBe([("node-a", "Active"), ("node-b", "Active")]);

        using var put = await a.Http.PutAsJsonAsync("admin/publishing-points/live/shared", new { dvrWindowLength = "00:05:00", eventId = "e1" });
        put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        var viaA = await a.Http.GetFromJsonAsync<Status>("admin/publishing-points/live/shared", Json);
        var viaB = await b.Http.GetFromJsonAsync<Status>("admin/publishing-points/live/shared", Json);

        viaB.ShouldNotBeNull().Silo.ShouldBe(viaA.ShouldNotBeNull().Silo);
        viaB.Settings.EventId.ShouldBe("e1");
        viaA.Silo.ShouldNotBeNull().Name.ShouldBeOneOf("node-a", "node-b");
        (await SilosAsync(b)).Single(s => s.Name == viaA.Silo.Name).Points.ShouldContain("live/shared");
    }

    private static async Task<Silo[]> SilosAsync(InProcessSilo node) =>
        await node.Http.GetFromJsonAsync<Silo[]>("admin/silos", Json) ?? [];

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, what);
            await Task.Delay(200);
        }
    }

    private sealed record Silo(string Name, string Address, string Status, string[] Points);

    private sealed record Status(string Path, SiloRef? Silo, SettingsView Settings);

    private sealed record SiloRef(string Name, string Address);

    private sealed record SettingsView(string? EventId);
}
