using Cluster.Contracts.Tiers;
using Cluster.Gateway.Security;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cluster.Gateway.Tests.Security;

public sealed class ServerSignaturesTests
{
    private const string Key = "0123456789abcdef-cluster";
    private const string Path = "/cluster/streams";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));

    private ServerSignatures Signatures(string? key = Key) => new(Options.Create(new TierOptions { SharedKey = key }), _time);

    [Fact]
    public void Verify_FreshSignature_Accepted() =>
        Signatures().Verify(ServerAuthentication.Sign(Key, "GET", Path, _time.GetUtcNow()), "GET", Path).ShouldBeNull();

    [Fact]
    public void Verify_SameSignatureTwice_SecondRefusedAsReplay()
    {
        var signatures = Signatures();
        var signature = ServerAuthentication.Sign(Key, "GET", Path, _time.GetUtcNow());
        signatures.Verify(signature, "GET", Path).ShouldBeNull();

        _time.Advance(TimeSpan.FromSeconds(30));

        signatures.Verify(signature, "GET", Path).ShouldNotBeNull().ShouldContain("already used");
    }

    [Fact]
    public void Verify_AcceptedSignatureInUpperCase_RefusedNotReplayable()
    {
        var signatures = Signatures();
        var signature = ServerAuthentication.Sign(Key, "GET", Path, _time.GetUtcNow());
        signatures.Verify(signature, "GET", Path).ShouldBeNull();

        var shouted = "Cluster-HMAC " + signature["Cluster-HMAC ".Length..].ToUpperInvariant();

        signatures.Verify(shouted, "GET", Path).ShouldNotBeNull();
    }

    [Fact]
    public void Verify_OneRequestCheckedTwice_AcceptedBothTimes()
    {
        var signatures = Signatures();
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = Path;
        context.Request.Headers.Authorization = ServerAuthentication.Sign(Key, "GET", Path, _time.GetUtcNow());

        signatures.Verify(context).ShouldBeNull();
        signatures.Verify(context).ShouldBeNull("a second check of the same request (publish rules, then the session header) is no replay");
    }

    [Fact]
    public void Verify_OldSignature_Refused()
    {
        var signature = ServerAuthentication.Sign(Key, "GET", Path, _time.GetUtcNow());
        _time.Advance(ServerAuthentication.MaxSkew + TimeSpan.FromSeconds(2));

        Signatures().Verify(signature, "GET", Path).ShouldNotBeNull().ShouldContain("too old");
    }

    [Fact]
    public void Verify_NodeWithoutKey_Refused() =>
        Signatures(null).Verify(ServerAuthentication.Sign(Key, "GET", Path, _time.GetUtcNow()), "GET", Path).ShouldNotBeNull().ShouldContain("Cluster:ClusterKey");

    [Fact]
    public void Verify_ManyDistinctRequests_AllAccepted()
    {
        var signatures = Signatures();
        for (var i = 0; i < 3000; i++)
        {
            signatures.Verify(ServerAuthentication.Sign(Key, "GET", Path, _time.GetUtcNow()), "GET", Path).ShouldBeNull();
            _time.Advance(TimeSpan.FromSeconds(1));
        }
    }
}
