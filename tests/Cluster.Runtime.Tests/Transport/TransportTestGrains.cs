using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;
using Cluster.Runtime.Transport;

namespace Cluster.Runtime.Tests.Transport;

public enum StreamKind
{
    Live,
    Vod = 7,
}

public sealed record ControlMessage(string Name, StreamKind Kind, ImmutableArray<string> Tags, TimeSpan Duration, DateTimeOffset At, Guid Id, int? Bitrate);

public sealed record Scalars(StreamKind Kind, TimeSpan Span, Guid Id, DateTimeOffset At, int? Maybe, string? Text);

/// <summary>A stand-in for a media fragment: small header, large raw payload.</summary>
public sealed record BlobMessage(string Name, long Timestamp, byte[] Payload);

public sealed class QuotaExceededException(string message) : Exception(message);

public interface IWireGrain : IGrainWithStringKey
{
    Task<ControlMessage> EchoControlAsync(ControlMessage message);

    Task<Scalars> EchoScalarsAsync(StreamKind kind, TimeSpan span, Guid id, DateTimeOffset at, int? maybe, string? text);

    Task<ImmutableArray<int>> EchoArrayAsync(ImmutableArray<int> values, List<string> names, long[] longs);

    Task<byte[]> EchoBytesAsync(byte[] payload);

    Task<ReadOnlyMemory<byte>> EchoMemoryAsync(ReadOnlyMemory<byte> payload);

    Task<BlobMessage> EchoBlobAsync(BlobMessage blob);

    Task ThrowCustomAsync(string message);

    ValueTask<int> AddAsync(int a, int b);

    ValueTask NothingAsync();
}

/// <summary>Only registered on the calling silo, so its methods are unknown on the other one.</summary>
public interface IUnregisteredGrain : IGrainWithStringKey
{
    Task<int> MissingAsync();
}

public sealed class WireGrain : Grain, IWireGrain
{
    public Task<ControlMessage> EchoControlAsync(ControlMessage message) => Task.FromResult(message);

    public Task<Scalars> EchoScalarsAsync(StreamKind kind, TimeSpan span, Guid id, DateTimeOffset at, int? maybe, string? text) =>
        Task.FromResult(new Scalars(kind, span, id, at, maybe, text));

    public Task<ImmutableArray<int>> EchoArrayAsync(ImmutableArray<int> values, List<string> names, long[] longs) =>
        Task.FromResult(values.AddRange(names.Select(n => n.Length)).AddRange(longs.Select(l => (int)l)));

    public Task<byte[]> EchoBytesAsync(byte[] payload) => Task.FromResult(payload);

    public Task<ReadOnlyMemory<byte>> EchoMemoryAsync(ReadOnlyMemory<byte> payload) => Task.FromResult(payload);

    public Task<BlobMessage> EchoBlobAsync(BlobMessage blob) => Task.FromResult(blob);

    public Task ThrowCustomAsync(string message) => throw new QuotaExceededException(message);

    public ValueTask<int> AddAsync(int a, int b) => ValueTask.FromResult(a + b);

    public ValueTask NothingAsync() => ValueTask.CompletedTask;
}

public sealed class UnregisteredGrain : Grain, IUnregisteredGrain
{
    public Task<int> MissingAsync() => Task.FromResult(1);
}

/// <summary>Hand-written codec: name, timestamp, then the payload as raw bytes.</summary>
public sealed class BlobMessageCodec : IGrainCallCodec<BlobMessage>
{
    public void Write(BlobMessage value, IBufferWriter<byte> output)
    {
        var name = Encoding.UTF8.GetBytes(value.Name);
        var header = output.GetSpan(12);
        BinaryPrimitives.WriteInt32LittleEndian(header, name.Length);
        BinaryPrimitives.WriteInt64LittleEndian(header[4..], value.Timestamp);
        output.Advance(12);
        output.Write(name);
        output.Write(value.Payload);
    }

    public BlobMessage Read(ReadOnlyMemory<byte> input)
    {
        var span = input.Span;
        var nameLength = BinaryPrimitives.ReadInt32LittleEndian(span);
        var timestamp = BinaryPrimitives.ReadInt64LittleEndian(span[4..]);
        return new BlobMessage(Encoding.UTF8.GetString(span.Slice(12, nameLength)), timestamp, span[(12 + nameLength)..].ToArray());
    }
}
