using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cluster.Integration.Tests.Infrastructure;
using Cluster.Integration.Tests.ProcessCluster;
using Xunit.Abstractions;

namespace Cluster.Integration.Tests.Restream;

/// <summary>
/// The cluster key between a source and its restreamers (seed 004: "not transferred as plaintext, only as hash"), and the
/// source's DVR reached through a restreamer that keeps less of it: each node its own process, the restreamer's
/// requests to the source recorded on the wire by a TCP proxy.
/// </summary>
public sealed class RestreamKeyTests(ITestOutputHelper output)
{
    private const string ClusterKey = "restream-key-test-cluster-key-987654";
    private const string WrongKey = "not-the-cluster-key-of-this-cluster";
    private const string Point = "live/keyed";
    private const string PlaybackSecret = "playback-secret-of-the-restreamer-0123456789";

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task StreamList_MissingWrongOrReplayedSignature_403_RestreamerUsesTheKeyWithoutSendingIt_AndServesTheSourcesOlderDvr()
    {
        var clock = Stopwatch.StartNew();
        void Log(string line) => output.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1} s] {line}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var capture = await RestreamMedia.CaptureAsync();

        await using var source = await NodeProcess.StartAsync("source", $"--Cluster:ClusterKey={ClusterKey}");
        await using var pusher = PacedSmoothPusher.Start(new Uri(source.Address, Point + ".isml/Streams(0)"), capture, new SmoothPushPlan { Speed = 1 });
        await Eventually.UntilAsync(async () => await VideoCountAsync(http, source) >= 3, Bound, () => source.LogTail());

        // 1. The list answers only a fresh signature made with the key.
        var list = new Uri(source.Address, "cluster/streams");
        (await GetAsync(http, list, null)).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await GetAsync(http, list, Sign(WrongKey, "/cluster/streams"))).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await GetAsync(http, list, Sign(ClusterKey, "/cluster/streams", DateTimeOffset.UtcNow.AddMinutes(-6)))).Status.ShouldBe(HttpStatusCode.Forbidden);
        var signature = Sign(ClusterKey, "/cluster/streams");
        var answered = await GetAsync(http, list, signature);
        answered.Status.ShouldBe(HttpStatusCode.OK, answered.Body);
        using (var json = JsonDocument.Parse(answered.Body))
        {
            var stream = json.RootElement.GetProperty("streams").EnumerateArray().Single();
            stream.GetProperty("name").GetString().ShouldBe(Point);
            stream.GetProperty("kind").GetString().ShouldBe("static");
            stream.GetProperty("tracks").GetArrayLength().ShouldBe(2);
        }

        var replayed = await GetAsync(http, list, signature);
        replayed.Status.ShouldBe(HttpStatusCode.Forbidden);
        replayed.Body.ShouldContain("already used");
        Log("stream list: no, wrong-key, stale and replayed signatures 403; a fresh one lists the stream");

        // 2. A restreamer through a recording proxy (the node's key) and straight to the source with a wrong key, keeping
        //    only 6 s of DVR itself.
        await using var proxy = new RecordingProxy(source.Address);
        await using var restreamer = await NodeProcess.StartAsync(
            "restreamer",
            $"--Cluster:ClusterKey={ClusterKey}",
            "--Cluster:Restream:Sources:0:Name=good",
            $"--Cluster:Restream:Sources:0:Url={proxy.Address}",
            "--Cluster:Restream:Sources:0:DvrWindowLength=00:00:06",
            "--Cluster:Restream:Sources:0:ProtectPlayback=true",
            "--Cluster:Security:Playback:Keys:0:Id=k1",
            $"--Cluster:Security:Playback:Keys:0:Secret={PlaybackSecret}",
            "--Cluster:Restream:Sources:1:Name=wrong",
            $"--Cluster:Restream:Sources:1:Url={source.Address}",
            $"--Cluster:Restream:Sources:1:ClusterKey={WrongKey}");
        string Diagnostics() => $"{source.LogTail()}\n{restreamer.LogTail()}";
        // The source's ProtectPlayback: its streams need a token here, though the source serves them openly.
        var token = await TokenAsync(http, restreamer);
        await Eventually.UntilAsync(async () => await VideoCountAsync(http, restreamer, token) >= 2, Bound, () => $"nothing restreamed\n{Diagnostics()}");
        using (var open = await http.GetAsync(new Uri(restreamer.Address, Point + ".isml/Manifest")))
        {
            open.StatusCode.ShouldBe(HttpStatusCode.Forbidden, "a restreamed stream of a protected source played without a token");
        }

        using (var status = JsonDocument.Parse(await http.GetStringAsync(new Uri(restreamer.Address, "admin/restream"))))
        {
            var wrong = status.RootElement.GetProperty("sources").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "wrong");
            wrong.GetProperty("lastError").GetString().ShouldNotBeNull().ShouldContain("403");
            wrong.GetProperty("streams").GetArrayLength().ShouldBe(0);
        }

        var wire = proxy.Requests;
        wire.ShouldContain("GET /cluster/streams");
        wire.ShouldContain($"GET /{Point}.isml/Streams(all)");
        wire.ShouldContain("Cluster-HMAC ");
        foreach (var form in KeyForms(ClusterKey))
        {
            wire.ShouldNotContain(form, Case.Insensitive, "the cluster key travelled");
        }

        Log($"restreamer: the wrong key is refused (403 in its status); {wire.Length} bytes of its requests hold no form of the key");

        // 3. The restreamer lists its own 6 s, yet the source's first fragment is served through it, the same bytes, and
        //    kept: still served once the source is gone.
        await Eventually.UntilAsync(
            async () => (await ManifestAsync(http, restreamer, token)).Single("video").Fragments[0].Time > (await ManifestAsync(http, source)).Single("video").Fragments[0].Time,
            Bound,
            () => $"the restreamer's window did not move past the source's first fragment\n{Diagnostics()}");
        var video = (await ManifestAsync(http, source)).Single("video");
        var oldest = $"{Point}.isml/{video.FragmentUrl(video.Levels[0], video.Fragments[0].Time)}";
        var fromSource = await http.GetByteArrayAsync(new Uri(source.Address, oldest));
        var throughRestreamer = await http.GetByteArrayAsync(new Uri(restreamer.Address, $"{oldest}?token={token}"));
        Convert.ToHexString(SHA256.HashData(throughRestreamer)).ShouldBe(Convert.ToHexString(SHA256.HashData(fromSource)));
        source.Kill();
        Convert.ToHexString(SHA256.HashData(await http.GetByteArrayAsync(new Uri(restreamer.Address, $"{oldest}?token={token}")))).ShouldBe(Convert.ToHexString(SHA256.HashData(fromSource)));
        Log("the source's oldest fragment, outside the restreamer's window, came through it with the same bytes, and stayed after the source died");
    }

    /// <summary>The documented signature (README, Security): <c>Cluster-HMAC {seconds}.{nonce}:{hex HMAC-SHA256(key, "{seconds}.{nonce}\n{METHOD}\n{path}")}</c>.</summary>
    private static string Sign(string key, string path, DateTimeOffset? at = null)
    {
        var stamp = $"{(at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes($"{stamp}\nGET\n{path}"));
        return $"Cluster-HMAC {stamp}:{Convert.ToHexStringLower(mac)}";
    }

    /// <summary>The key as it could leak: as is, in base64 and in hex.</summary>
    private static string[] KeyForms(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        return [key, Convert.ToBase64String(bytes), Convert.ToHexString(bytes)];
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient http, Uri url, string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<string> TokenAsync(HttpClient http, NodeProcess node)
    {
        using var response = await http.PostAsync(new Uri(node.Address, "admin/playback-tokens"), System.Net.Http.Json.JsonContent.Create(new { pathPrefix = Point }));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("token").GetString()!;
    }

    private static async Task<SmoothManifest> ManifestAsync(HttpClient http, NodeProcess node, string? token = null) =>
        (await RestreamMedia.ManifestAsync(http, node, Point, token)).ShouldNotBeNull();

    private static Task<int> VideoCountAsync(HttpClient http, NodeProcess node, string? token = null) =>
        RestreamMedia.VideoCountAsync(http, node, Point, token);
}
