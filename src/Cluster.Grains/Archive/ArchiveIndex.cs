using System.Text.Json;
using System.Text.Json.Serialization;
using Cluster.Media.Model;

namespace Cluster.Grains.Archive;

/// <summary>
/// The session folder's <c>archive.json</c>: what was recorded, for operators and tools. Rewritten (atomically) when the
/// recording starts, whenever a file is added and when the session is finalized.
/// </summary>
internal sealed record ArchiveIndex
{
    /// <summary>The file name in the session folder.</summary>
    public const string FileName = "archive.json";

    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The point, e.g. <c>live/event1</c>.</summary>
    public required string PointPath { get; init; }

    /// <summary>The session folder's name: the event id, or the start time in UTC.</summary>
    public required string SessionName { get; init; }

    public string? SessionId { get; init; }

    public string? EventId { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Whether every track's stream ended and its files were closed with an mfra.</summary>
    public bool Finalized { get; init; }

    public DateTimeOffset? FinalizedAt { get; init; }

    public IReadOnlyList<ArchiveIndexTrack> Tracks { get; init; } = [];
}

/// <summary>One track of <c>archive.json</c>.</summary>
internal sealed record ArchiveIndexTrack
{
    public required string Name { get; init; }

    public required TrackKind Kind { get; init; }

    public required int Bitrate { get; init; }

    public required string FourCC { get; init; }

    public long Timescale { get; init; }

    public int FragmentCount { get; init; }

    /// <summary>Sum of the fragment durations, in <see cref="Timescale"/> units.</summary>
    public long Duration { get; init; }

    public double DurationSeconds { get; init; }

    public IReadOnlyList<ArchiveIndexFile> Files { get; init; } = [];
}

/// <summary>One .ismv file of a track.</summary>
internal sealed record ArchiveIndexFile
{
    public required string Name { get; init; }

    /// <summary>Time of the first fragment, in the track's timescale.</summary>
    public long Start { get; init; }

    /// <summary>Sum of the file's fragment durations, in the track's timescale.</summary>
    public long Duration { get; init; }

    public int FragmentCount { get; init; }

    /// <summary>Whether the file ends with its mfra.</summary>
    public bool Finalized { get; init; }
}
