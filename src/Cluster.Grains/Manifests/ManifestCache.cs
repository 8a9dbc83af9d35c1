using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Grains.PublishingPoints;
using Cluster.Media.Dash;
using Cluster.Media.Hls;
using Cluster.Media.Smooth;

namespace Cluster.Grains.Manifests;

/// <summary>Which document: a presentation manifest, or (with a track) an HLS media playlist.</summary>
internal readonly record struct ManifestKey(ManifestFormat Format, string? TrackName = null, int Bitrate = 0);

/// <summary>
/// Keeps the last document built for each key and hands it out again until a track's timeline or the point's state
/// changes, so a crowd of players polling a live manifest costs one build per new fragment.
/// </summary>
internal sealed class ManifestCache
{
    private readonly ConcurrentDictionary<ManifestKey, Entry> _entries = new();

    public ManifestDocument? Get(ManifestKey key, PointView view, TrackTimeline[] timelines)
    {
        if (_entries.TryGetValue(key, out var cached) && cached.Matches(view, timelines))
        {
            return cached.Document;
        }

        var document = Build(key, view, timelines);
        if (document is not null)
        {
            _entries[key] = new Entry(view, Versions(timelines), document);
        }

        return document;
    }

    private static ManifestDocument? Build(ManifestKey key, PointView view, TrackTimeline[] timelines)
    {
        var presentation = Presentation.Build(view, timelines);
        if (presentation.Streams.IsEmpty)
        {
            return null;
        }

        var output = new ArrayBufferWriter<byte>(4096);
        string contentType;
        switch (key)
        {
            case { Format: ManifestFormat.Smooth }:
                SmoothManifestWriter.Write(SmoothManifestBuilder.Build(presentation), output);
                contentType = "text/xml; charset=utf-8";
                break;
            case { Format: ManifestFormat.Hls or ManifestFormat.HlsTs, TrackName: null }:
                HlsPlaylistWriter.WriteMultivariant(HlsManifestBuilder.Multivariant(presentation, key.Format), output);
                contentType = "application/vnd.apple.mpegurl";
                break;
            case { Format: ManifestFormat.Hls or ManifestFormat.HlsTs, TrackName: { } name }:
                if (HlsManifestBuilder.Media(presentation, name, key.Bitrate, key.Format) is not { } playlist)
                {
                    return null;
                }

                HlsPlaylistWriter.WriteMedia(playlist, output);
                contentType = "application/vnd.apple.mpegurl";
                break;
            case { Format: ManifestFormat.Dash }:
                MpdWriter.Write(DashManifestBuilder.Build(presentation), output);
                contentType = "application/dash+xml";
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(key), key, "Unknown manifest.");
        }

        // From the bytes alone: every node answering the same document answers the same ETag.
        var hash = Convert.ToHexStringLower(SHA256.HashData(output.WrittenSpan).AsSpan(0, 8));
        var tag = string.Create(CultureInfo.InvariantCulture, $"\"{hash}-{output.WrittenCount:x}\"");
        return new ManifestDocument(output.WrittenMemory.ToArray(), contentType, tag, presentation.Published, presentation.IsLive);
    }

    private static long[] Versions(TrackTimeline[] timelines)
    {
        var versions = new long[timelines.Length];
        for (var i = 0; i < versions.Length; i++)
        {
            versions[i] = timelines[i].Version;
        }

        return versions;
    }

    private sealed record Entry(PointView View, long[] Versions, ManifestDocument Document)
    {
        public bool Matches(PointView view, TrackTimeline[] timelines)
        {
            if (!ReferenceEquals(view, View) || timelines.Length != Versions.Length)
            {
                return false;
            }

            for (var i = 0; i < timelines.Length; i++)
            {
                if (timelines[i].Version != Versions[i])
                {
                    return false;
                }
            }

            return true;
        }
    }
}
