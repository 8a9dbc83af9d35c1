using System.Buffers;
using System.IO.Pipelines;
using Cluster.Media.Smooth;

namespace Cluster.Media.Tests.TestSupport;

/// <summary>Runs bodies through <see cref="SmoothIngestReader"/> the way a request body would arrive.</summary>
internal static class Ingest
{
    public sealed record Result(IngestHeader Header, List<IngestFragment> Fragments, SmoothIngestReader Reader);

    /// <summary>Feeds <paramref name="body"/> in random chunks through a pipe with back-pressure far below the mdat sizes.</summary>
    public static async Task<Result> ReadChunkedAsync(byte[] body, int seed, int maxChunk = 700, IngestLimits? limits = null)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 8192, resumeWriterThreshold: 4096, useSynchronizationContext: false));
        var writing = Task.Run(async () =>
        {
            var random = new Random(seed);
            var position = 0;
            while (position < body.Length)
            {
                var count = Math.Min(random.Next(1, maxChunk + 1), body.Length - position);
                var flush = await pipe.Writer.WriteAsync(body.AsMemory(position, count));
                position += count;
                if (flush.IsCompleted)
                {
                    break;
                }
            }

            await pipe.Writer.CompleteAsync();
        });
        try
        {
            return await ReadAllAsync(pipe.Reader, limits).WaitAsync(TimeSpan.FromSeconds(20));
        }
        finally
        {
            await pipe.Reader.CompleteAsync();
            await writing.WaitAsync(TimeSpan.FromSeconds(20));
        }
    }

    /// <summary>Reads a body held whole in memory.</summary>
    public static Task<Result> ReadWholeAsync(byte[] body, IngestLimits? limits = null) =>
        ReadAllAsync(PipeReader.Create(new ReadOnlySequence<byte>(body)), limits);

    /// <summary>Reads the body expecting failure; fails the test unless the exception is exactly a MediaFormatException.</summary>
    public static async Task<MediaFormatException> FailAsync(byte[] body, IngestLimits? limits = null, int seed = 7)
    {
        Exception? caught = null;
        try
        {
            await ReadChunkedAsync(body, seed, 700, limits);
        }
        catch (Exception e)
        {
            caught = e;
        }

        caught.ShouldNotBeNull("the body should have been rejected");
        caught.GetType().ShouldBe(typeof(MediaFormatException), caught.ToString());
        caught.Message.ShouldNotBeNullOrWhiteSpace();
        return (MediaFormatException)caught;
    }

    private static async Task<Result> ReadAllAsync(PipeReader pipe, IngestLimits? limits)
    {
        var reader = new SmoothIngestReader(pipe, limits ?? new IngestLimits());
        var header = await reader.ReadHeaderAsync(CancellationToken.None);
        var fragments = new List<IngestFragment>();
        while (await reader.ReadFragmentAsync(CancellationToken.None) is { } fragment)
        {
            fragments.Add(fragment);
        }

        return new Result(header, fragments, reader);
    }
}
