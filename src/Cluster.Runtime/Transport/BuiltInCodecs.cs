using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Cluster.Runtime.Transport;

/// <summary>UTF-8 text.</summary>
internal sealed class StringCodec : IValueCodec
{
    public void Write(object value, IBufferWriter<byte> output) => Encoding.UTF8.GetBytes((string)value, output);

    public object? Read(ReadOnlyMemory<byte> input) => Encoding.UTF8.GetString(input.Span);
}

/// <summary>Raw bytes, copied into a new array on read.</summary>
internal sealed class ByteArrayCodec : IValueCodec
{
    public void Write(object value, IBufferWriter<byte> output) => output.Write((byte[])value);

    public object? Read(ReadOnlyMemory<byte> input) => input.ToArray();
}

/// <summary>Raw bytes; the value read is a slice of the received message (no copy).</summary>
internal sealed class ReadOnlyMemoryCodec : IValueCodec
{
    public void Write(object value, IBufferWriter<byte> output) => output.Write(((ReadOnlyMemory<byte>)value).Span);

    public object? Read(ReadOnlyMemory<byte> input) => input;
}

/// <summary>Raw bytes, copied on read (the receiver may write to it).</summary>
internal sealed class MemoryCodec : IValueCodec
{
    public void Write(object value, IBufferWriter<byte> output) => output.Write(((Memory<byte>)value).Span);

    public object? Read(ReadOnlyMemory<byte> input) => new Memory<byte>(input.ToArray());
}

/// <summary>A primitive, decimal or enum as its little-endian in-memory bytes.</summary>
internal sealed class UnmanagedCodec<T> : IValueCodec
    where T : unmanaged
{
    public void Write(object value, IBufferWriter<byte> output)
    {
        var typed = (T)value;
        output.Write(MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in typed)));
    }

    public object? Read(ReadOnlyMemory<byte> input) =>
        input.Length == Unsafe.SizeOf<T>()
            ? MemoryMarshal.Read<T>(input.Span)
            : throw new FormatException($"A {typeof(T).Name} takes {Unsafe.SizeOf<T>()} bytes, not {input.Length}.");
}

/// <summary>16 bytes in <see cref="Guid.TryWriteBytes(Span{byte})"/> order.</summary>
internal sealed class GuidCodec : IValueCodec
{
    public void Write(object value, IBufferWriter<byte> output)
    {
        ((Guid)value).TryWriteBytes(output.GetSpan(16));
        output.Advance(16);
    }

    public object? Read(ReadOnlyMemory<byte> input) => new Guid(input.Span);
}

/// <summary>Ticks, 8 bytes.</summary>
internal sealed class TimeSpanCodec : IValueCodec
{
    public void Write(object value, IBufferWriter<byte> output)
    {
        BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), ((TimeSpan)value).Ticks);
        output.Advance(8);
    }

    public object? Read(ReadOnlyMemory<byte> input) => TimeSpan.FromTicks(BinaryPrimitives.ReadInt64LittleEndian(input.Span));
}

/// <summary><see cref="DateTime.ToBinary"/>, 8 bytes (keeps the kind).</summary>
internal sealed class DateTimeCodec : IValueCodec
{
    public void Write(object value, IBufferWriter<byte> output)
    {
        BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), ((DateTime)value).ToBinary());
        output.Advance(8);
    }

    public object? Read(ReadOnlyMemory<byte> input) => DateTime.FromBinary(BinaryPrimitives.ReadInt64LittleEndian(input.Span));
}

/// <summary>Local ticks (8 bytes) then the offset in minutes (2 bytes).</summary>
internal sealed class DateTimeOffsetCodec : IValueCodec
{
    public void Write(object value, IBufferWriter<byte> output)
    {
        var typed = (DateTimeOffset)value;
        var span = output.GetSpan(10);
        BinaryPrimitives.WriteInt64LittleEndian(span, typed.Ticks);
        BinaryPrimitives.WriteInt16LittleEndian(span[8..], (short)typed.TotalOffsetMinutes);
        output.Advance(10);
    }

    public object? Read(ReadOnlyMemory<byte> input) =>
        new DateTimeOffset(BinaryPrimitives.ReadInt64LittleEndian(input.Span), TimeSpan.FromMinutes(BinaryPrimitives.ReadInt16LittleEndian(input.Span[8..])));
}

/// <summary>A sequence: a 4-byte count, then each element framed.</summary>
internal abstract class SequenceCodec<T>(IValueCodec element) : IValueCodec
{
    public void Write(object value, IBufferWriter<byte> output)
    {
        var items = AsList(value);
        var scratch = output as ArrayBufferWriter<byte> ?? new ArrayBufferWriter<byte>();
        BinaryPrimitives.WriteInt32LittleEndian(scratch.GetSpan(4), items.Count);
        scratch.Advance(4);
        foreach (var item in items)
        {
            GrainCallCodecRegistry.WriteFramed(element, item, scratch);
        }

        if (!ReferenceEquals(scratch, output))
        {
            output.Write(scratch.WrittenSpan);
        }
    }

    public object? Read(ReadOnlyMemory<byte> input)
    {
        if (input.Length < 4)
        {
            throw new FormatException("Truncated sequence.");
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(input.Span);
        if (count < 0 || count > (input.Length - 4) / 4)
        {
            throw new FormatException($"Malformed sequence count {count}.");
        }

        var items = new T[count];
        var offset = 4;
        for (var i = 0; i < count; i++)
        {
            items[i] = (T)GrainCallCodecRegistry.ReadFramed(element, input, ref offset)!;
        }

        return Create(items);
    }

    protected abstract IReadOnlyList<T> AsList(object value);

    protected abstract object Create(T[] items);
}

internal sealed class ArrayCodec<T>(IValueCodec element) : SequenceCodec<T>(element)
{
    protected override IReadOnlyList<T> AsList(object value) => (T[])value;

    protected override object Create(T[] items) => items;
}

internal sealed class ImmutableArrayCodec<T>(IValueCodec element) : SequenceCodec<T>(element)
{
    protected override IReadOnlyList<T> AsList(object value) => (ImmutableArray<T>)value is { IsDefault: false } array ? array : [];

    protected override object Create(T[] items) => ImmutableCollectionsMarshal.AsImmutableArray(items);
}

/// <summary><see cref="List{T}"/> and the list/collection/enumerable interfaces; read back as a <see cref="List{T}"/>.</summary>
internal sealed class ListCodec<T>(IValueCodec element) : SequenceCodec<T>(element)
{
    protected override IReadOnlyList<T> AsList(object value) => value as IReadOnlyList<T> ?? [.. (IEnumerable<T>)value];

    protected override object Create(T[] items) => new List<T>(items);
}

/// <summary>The fallback for records and classes of the control plane: System.Text.Json of the declared type.</summary>
internal sealed class JsonCodec(Type type, JsonSerializerOptions options) : IValueCodec
{
    public void Write(object value, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output);
        JsonSerializer.Serialize(writer, value, type, options);
    }

    public object? Read(ReadOnlyMemory<byte> input) => JsonSerializer.Deserialize(input.Span, type, options);
}
