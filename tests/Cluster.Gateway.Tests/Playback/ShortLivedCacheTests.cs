using Cluster.Gateway.Playback;
using Microsoft.Extensions.Time.Testing;

namespace Cluster.Gateway.Tests.Playback;

public sealed class ShortLivedCacheTests
{
    [Fact]
    public async Task GetAsync_LoadFails_FailureNotKept()
    {
        var clock = new FakeTimeProvider();
        var calls = 0;
        var cache = new ShortLivedCache<string, string>(
            clock,
            TimeSpan.FromSeconds(1),
            key => ++calls == 1 ? throw new InvalidOperationException("down") : Task.FromResult(key + calls),
            static _ => true);

        await Should.ThrowAsync<InvalidOperationException>(() => cache.GetAsync("a"));
        var second = await cache.GetAsync("a");
        var third = await cache.GetAsync("a");

        second.ShouldBe("a2");
        third.ShouldBe("a2");
        calls.ShouldBe(2);
    }

    [Fact]
    public async Task GetAsync_KeysNotAskedForAgain_SweptOutAfterAMinute()
    {
        var clock = new FakeTimeProvider();
        var cache = new ShortLivedCache<int, int>(clock, TimeSpan.FromSeconds(1), Task.FromResult, static _ => true);
        for (var i = 0; i < 100; i++)
        {
            await cache.GetAsync(i);
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        await cache.GetAsync(1000);

        cache.Count.ShouldBe(1);
    }
}
