using Cluster.Media.Model;
using Orleans.Serialization.Cloning;

namespace Cluster.Contracts.Serialization;

// Orleans deep-copies the arguments and results of calls inside one silo unless a type is known to be immutable. The
// media types are (DESIGN.md §3: fragments are stored once and shared by every reader), but cannot carry Orleans'
// [Immutable] without depending on it, so these copiers say it for them: a local caller gets the very same instance.

/// <summary>Fragments are immutable: local calls pass the same instance and the same bytes.</summary>
[RegisterCopier]
public sealed class FragmentCopier : ShallowCopier<Fragment>;

/// <summary>Track infos are immutable records.</summary>
[RegisterCopier]
public sealed class TrackInfoCopier : ShallowCopier<TrackInfo>;

/// <summary>Timeline entries are immutable values.</summary>
[RegisterCopier]
public sealed class TimelineEntryCopier : ShallowCopier<TimelineEntry>;
