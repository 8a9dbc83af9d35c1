using Cluster.Gateway.Playback;

namespace Cluster.Gateway.Tests.Playback;

public sealed class ImmutableResponseCacheTests
{
    private const int BodySize = 1000;
    private const long EntrySize = BodySize + ImmutableResponseCache.EntryOverhead;

    [Fact]
    public void Add_FarBeyondTheCapacity_TotalBytesStayWithinTheBound()
    {
        var cache = new ImmutableResponseCache(10 * EntrySize);

        for (var i = 0; i < 200; i++)
        {
            cache.Add(Key(i), Response()).ShouldBeTrue();
            cache.Size.ShouldBeLessThanOrEqualTo(cache.Capacity);
        }

        cache.Size.ShouldBe(cache.Count * EntrySize);
        cache.TryGet(Key(199), out _).ShouldBeTrue();
        cache.TryGet(Key(0), out _).ShouldBeFalse();
    }

    [Fact]
    public void Add_CrossingTheCapacity_EvictsTheLeastRecentlyUsedFirst()
    {
        var cache = new ImmutableResponseCache(8 * EntrySize);
        for (var i = 0; i < 8; i++)
        {
            cache.Add(Key(i), Response());
        }

        cache.TryGet(Key(0), out _).ShouldBeTrue();
        cache.Add(Key(8), Response());

        // One batch down to 15/16 of the bound: the two least recently used (1 and 2) go; 0 was just used.
        Enumerable.Range(0, 9).Where(i => cache.TryGet(Key(i), out _)).ShouldBe([0, 3, 4, 5, 6, 7, 8]);
        cache.Size.ShouldBe(7 * EntrySize);
    }

    [Fact]
    public void TryGet_Hit_ReturnsTheSameBlock()
    {
        var cache = new ImmutableResponseCache(8 * EntrySize);
        var response = Response();
        cache.Add(Key(1), response);

        cache.TryGet(Key(1), out var found).ShouldBeTrue();

        found.ShouldBeSameAs(response);
        cache.TryGet(Key(1) with { SessionEpoch = 2 }, out _).ShouldBeFalse();
        cache.TryGet(Key(1) with { Packaging = FragmentPackaging.Smooth }, out _).ShouldBeFalse();
        cache.TryGet(Key(1) with { Packaging = FragmentPackaging.Ts }, out _).ShouldBeFalse();
    }

    [Fact]
    public void Add_LargerThanAQuarterOfTheCapacity_NotKept()
    {
        var cache = new ImmutableResponseCache(3 * EntrySize);

        cache.Add(Key(1), Response()).ShouldBeFalse();

        cache.Count.ShouldBe(0);
        cache.Size.ShouldBe(0);
    }

    [Fact]
    public void Add_CapacityZero_NothingKept()
    {
        var cache = new ImmutableResponseCache(0);

        cache.Add(Key(1), Response(1)).ShouldBeFalse();

        cache.Enabled.ShouldBeFalse();
        cache.TryGet(Key(1), out _).ShouldBeFalse();
    }

    [Fact]
    public void Add_SameKeyTwice_KeepsTheFirstAndCountsItOnce()
    {
        var cache = new ImmutableResponseCache(8 * EntrySize);
        var first = Response();

        cache.Add(Key(1), first).ShouldBeTrue();
        cache.Add(Key(1), Response()).ShouldBeFalse();

        cache.Size.ShouldBe(EntrySize);
        cache.TryGet(Key(1), out var found).ShouldBeTrue();
        found.ShouldBeSameAs(first);
    }

    [Fact]
    public async Task AddAndTryGet_ManyThreadsAtOnce_SizeMatchesTheEntriesAndStaysWithinTheBound()
    {
        var cache = new ImmutableResponseCache(50 * EntrySize);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 5000; i++)
            {
                var key = Key((worker * 31) + (i % 400));
                if (!cache.TryGet(key, out _))
                {
                    cache.Add(key, Response());
                }
            }
        })));

        cache.Size.ShouldBe(cache.Count * EntrySize);
        cache.Size.ShouldBeLessThanOrEqualTo(cache.Capacity);
    }

    private static ResponseKey Key(int i) => new("live/a", 1, "video", 1000, i * 1000L, FragmentPackaging.Cmaf);

    private static CachedResponse Response(int size = BodySize) => new(new byte[size], "video/mp4", "\"e\"");
}
