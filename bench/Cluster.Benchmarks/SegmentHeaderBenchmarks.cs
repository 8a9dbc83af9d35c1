using BenchmarkDotNet.Attributes;
using Cluster.Media.Boxes;
using Cluster.Media.Cmaf;
using Cluster.Media.Model;
using Cluster.Media.Smooth;

namespace Cluster.Benchmarks;

/// <summary>
/// Writing the per-request part of a fragment response: the CMAF segment header (styp+moof+mdat header) and the Smooth
/// fragment header (moof with tfxd/tfrf + mdat header) for a 50-sample video fragment. "Fresh" allocates the writer
/// as PlaybackHandler does per request; "Reused" shows the floor.
/// </summary>
[MemoryDiagnoser]
public class SegmentHeaderBenchmarks
{
    private readonly BoxWriter _writer = new(4096);
    private readonly TimelineEntry[] _lookahead = [new(20_000_000, 20_000_000), new(40_000_000, 20_000_000)];
    private Fragment _fragment = null!;

    [GlobalSetup]
    public void Setup() => _fragment = BenchData.Fragment(TrackKind.Video, 0, 0);

    [Benchmark]
    public int CmafSegmentHeaderReused()
    {
        _writer.Reset();
        CmafSegmentWriter.WriteHeader(_writer, _fragment, 1, 1);
        return _writer.Length;
    }

    [Benchmark]
    public int CmafSegmentHeaderFresh()
    {
        var writer = new BoxWriter(256 + (_fragment.Samples.Length * 16));
        CmafSegmentWriter.WriteHeader(writer, _fragment, 1, 1);
        return writer.ToArray().Length;
    }

    [Benchmark]
    public int SmoothFragmentHeaderReused()
    {
        _writer.Reset();
        SmoothFragmentWriter.WriteHeader(_writer, _fragment, 1, 1, _lookahead, live: true);
        return _writer.Length;
    }

    [Benchmark]
    public int SmoothFragmentHeaderFresh()
    {
        var writer = new BoxWriter(256 + (_fragment.Samples.Length * 16) + (_lookahead.Length * 16));
        SmoothFragmentWriter.WriteHeader(writer, _fragment, 1, 1, _lookahead, live: true);
        return writer.Length;
    }
}
