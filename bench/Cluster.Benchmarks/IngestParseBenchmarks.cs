using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Cluster.Media.Smooth;

namespace Cluster.Benchmarks;

/// <summary>Parsing a whole Smooth push body (ftyp, manifest, moov, then every moof/mdat) with the ingest reader.</summary>
[MemoryDiagnoser]
public class IngestParseBenchmarks
{
    private byte[] _capture = [];

    /// <summary>Size of the capture in bytes (divide by the mean time for MB/s).</summary>
    public int CaptureBytes => _capture.Length;

    [GlobalSetup]
    public void Setup()
    {
        _capture = File.ReadAllBytes(BenchData.CapturePath);
        Console.WriteLine($"// ingest capture: {BenchData.CapturePath}, {_capture.Length} bytes");
    }

    /// <summary>Reads every fragment of the capture from a pipe, as the ingest handler reads a request body.</summary>
    [Benchmark]
    public async Task<int> ParseSmoothCapture()
    {
        var reader = new SmoothIngestReader(PipeReader.Create(new MemoryStream(_capture, writable: false)), IngestLimits.Default);
        await reader.ReadHeaderAsync(CancellationToken.None);
        var count = 0;
        while (await reader.ReadFragmentAsync(CancellationToken.None) is not null)
        {
            count++;
        }

        return count;
    }
}
