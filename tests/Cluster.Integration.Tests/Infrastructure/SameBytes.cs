using System.Net;

namespace Cluster.Integration.Tests.Infrastructure;

/// <summary>
/// Checks that several nodes answer a manifest URL with the same bytes (one wall clock per session): what lets players
/// fail over between origins and CDNs mix their responses.
/// </summary>
public static class SameBytes
{
    /// <summary>Manifests that must be the same bytes on every node holding the same fragments (issue: one wall clock per session).</summary>
    public static readonly string[] Manifests =
    [
        "Manifest", "manifest(format=mpd-time-cmaf)", "manifest(format=m3u8-cmaf)", "manifest(format=m3u8-aapl)",
        "QualityLevels(64000)/Manifest(audio,format=m3u8-cmaf)", "QualityLevels(64000)/Manifest(audio,format=m3u8-aapl)",
    ];

    /// <summary>
    /// Reads <paramref name="resource"/> from every node in turn until one round answers the same body everywhere (a
    /// live round can straddle a new fragment, so it is retried), with the same ETag; fails with the differing lines.
    /// </summary>
    public static async Task AssertAsync(HttpClient http, string resource, params Uri[] nodes)
    {
        string[] bodies = [];
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var round = await Task.WhenAll(nodes.Select(async node =>
            {
                using var response = await http.GetAsync(new Uri(node, resource));
                return (Status: response.StatusCode, Body: await response.Content.ReadAsStringAsync(), ETag: response.Headers.ETag?.Tag);
            }));
            bodies = [.. round.Select(r => r.Body)];
            if (round.All(r => r.Status == HttpStatusCode.OK && r.Body == round[0].Body))
            {
                round.Select(r => r.ETag).Distinct().Count().ShouldBe(1, $"{resource}: the same body under different ETags");
                return;
            }

            await Task.Delay(250);
        }

        var lines = bodies.Select(b => b.Split('\n')).ToArray();
        var differing = Enumerable.Range(0, lines.Max(l => l.Length))
            .Where(i => lines.Select(l => i < l.Length ? l[i] : "").Distinct().Count() > 1)
            .Take(3)
            .Select(i => string.Join("\n   vs ", lines.Select((l, n) => $"{nodes[n].Authority}: {(i < l.Length ? l[i] : "(none)")}")));
        throw new Xunit.Sdk.XunitException($"{resource} never answered the same bytes on {string.Join(", ", nodes.Select(n => n.Authority))}; first differing lines:\n{string.Join("\n", differing)}");
    }
}
