using System.Buffers;
using System.Globalization;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Grains.PublishingPoints;
using Cluster.Media.Smooth;

namespace Cluster.Grains.Manifests;

/// <summary>
/// Keeps the last manifest built for each format and hands it out again until a track's timeline or the point's
/// state changes, so a crowd of players polling a live manifest costs one build per new fragment.
/// </summary>
internal sealed class ManifestCache
{
    private readonly Entry?[] _entries = new Entry?[Enum.GetValues<ManifestFormat>().Length];

    public ManifestDocument Get(ManifestFormat format, PointView view, TrackTimeline[] timelines)
    {
        var cached = Volatile.Read(ref _entries[(int)format]);
        if (cached is not null && cached.Matches(view, timelines))
        {
            return cached.Document;
        }

        var document = Build(format, view, timelines);
        Volatile.Write(ref _entries[(int)format], new Entry(view, Versions(timelines), document));
        return document;
    }

    private static ManifestDocument Build(ManifestFormat format, PointView view, TrackTimeline[] timelines)
    {
        var output = new ArrayBufferWriter<byte>(4096);
        string contentType;
        bool isLive;
        switch (format)
        {
            case ManifestFormat.Smooth:
                var manifest = SmoothManifestBuilder.Build(view, timelines);
                SmoothManifestWriter.Write(manifest, output);
                contentType = "text/xml; charset=utf-8";
                isLive = manifest.IsLive;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown manifest format.");
        }

        var lastModified = DateTimeOffset.MinValue;
        var etag = new HashCode();
        etag.Add(view.Epoch);
        etag.Add(view.State);
        foreach (var timeline in timelines)
        {
            etag.Add(timeline.Version);
            lastModified = timeline.LastModified > lastModified ? timeline.LastModified : lastModified;
        }

        var tag = $"\"{view.Epoch.ToString(CultureInfo.InvariantCulture)}-{((uint)etag.ToHashCode()).ToString("x8", CultureInfo.InvariantCulture)}-{output.WrittenCount.ToString(CultureInfo.InvariantCulture)}\"";
        return new ManifestDocument(output.WrittenMemory.ToArray(), contentType, tag, lastModified, isLive);
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
