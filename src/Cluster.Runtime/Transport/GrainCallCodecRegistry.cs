using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Cluster.Runtime.Transport;

/// <summary>A codec of one type, boxed: what the transport calls per argument and result.</summary>
internal interface IValueCodec
{
    void Write(object value, IBufferWriter<byte> output);

    object? Read(ReadOnlyMemory<byte> input);
}

/// <summary>One <c>AddGrainCallCodec</c> call.</summary>
internal sealed record GrainCallCodecRegistration(Type Type, IValueCodec Codec);

/// <summary>Adapts a public <see cref="IGrainCallCodec{T}"/>.</summary>
internal sealed class TypedValueCodec<T>(IGrainCallCodec<T> codec) : IValueCodec
{
    public void Write(object value, IBufferWriter<byte> output) => codec.Write((T)value, output);

    public object? Read(ReadOnlyMemory<byte> input) => codec.Read(input);
}

/// <summary>
/// Which codec encodes which type: registered codecs first, then built-in binary codecs (primitives, string, enums,
/// Guid, TimeSpan, DateTime, DateTimeOffset, byte arrays and byte memory as raw bytes, arrays, lists and
/// <see cref="ImmutableArray{T}"/>), then System.Text.Json for everything else. Values are framed: a 4-byte
/// little-endian length, -1 for null, then the codec's bytes.
/// </summary>
internal sealed class GrainCallCodecRegistry
{
    private const int NullLength = -1;

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.General);

    private readonly ConcurrentDictionary<Type, IValueCodec> _codecs = new();

    public GrainCallCodecRegistry(IEnumerable<GrainCallCodecRegistration> registrations)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The grain call wire format assumes a little-endian host.");
        }

        foreach (var registration in registrations)
        {
            _codecs[registration.Type] = registration.Codec;
        }
    }

    /// <summary>The codec of <paramref name="type"/> (a <see cref="Nullable{T}"/> uses its underlying type's codec).</summary>
    public IValueCodec Get(Type type) => _codecs.GetOrAdd(Nullable.GetUnderlyingType(type) ?? type, CreateBuiltIn, this);

    /// <summary>Writes one framed value.</summary>
    public static void WriteFramed(IValueCodec codec, object? value, ArrayBufferWriter<byte> output)
    {
        var header = output.GetSpan(sizeof(int));
        if (value is null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(header, NullLength);
            output.Advance(sizeof(int));
            return;
        }

        output.Advance(sizeof(int));
        var start = output.WrittenCount;
        codec.Write(value, output);
        var length = output.WrittenCount - start;
        BinaryPrimitives.WriteInt32LittleEndian(MemoryMarshal.AsMemory(output.WrittenMemory).Span[(start - sizeof(int))..], length);
    }

    /// <summary>Reads one framed value from <paramref name="input"/> at <paramref name="offset"/> and moves past it.</summary>
    /// <exception cref="FormatException">The frame is truncated or malformed.</exception>
    public static object? ReadFramed(IValueCodec codec, ReadOnlyMemory<byte> input, ref int offset)
    {
        if (input.Length - offset < sizeof(int))
        {
            throw new FormatException("Truncated grain call message: missing a value header.");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(input.Span[offset..]);
        offset += sizeof(int);
        if (length == NullLength)
        {
            return null;
        }

        if (length < 0 || length > input.Length - offset)
        {
            throw new FormatException($"Malformed grain call message: a value claims {length} bytes, {input.Length - offset} remain.");
        }

        var value = codec.Read(input.Slice(offset, length));
        offset += length;
        return value;
    }

    private static IValueCodec CreateBuiltIn(Type type, GrainCallCodecRegistry registry)
    {
        if (type == typeof(string))
        {
            return new StringCodec();
        }

        if (type == typeof(byte[]))
        {
            return new ByteArrayCodec();
        }

        if (type == typeof(ReadOnlyMemory<byte>))
        {
            return new ReadOnlyMemoryCodec();
        }

        if (type == typeof(Memory<byte>))
        {
            return new MemoryCodec();
        }

        if (type == typeof(Guid))
        {
            return new GuidCodec();
        }

        if (type == typeof(TimeSpan))
        {
            return new TimeSpanCodec();
        }

        if (type == typeof(DateTime))
        {
            return new DateTimeCodec();
        }

        if (type == typeof(DateTimeOffset))
        {
            return new DateTimeOffsetCodec();
        }

        if (type.IsPrimitive || type.IsEnum || type == typeof(decimal))
        {
            // bool, char, integers, floats, decimal and enums: their little-endian in-memory bytes.
            return (IValueCodec)Activator.CreateInstance(typeof(UnmanagedCodec<>).MakeGenericType(type))!;
        }

        if (type.IsArray && type.GetArrayRank() == 1)
        {
            var element = type.GetElementType()!;
            return (IValueCodec)Activator.CreateInstance(typeof(ArrayCodec<>).MakeGenericType(element), registry.Get(element))!;
        }

        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            var element = type.GetGenericArguments()[0];
            if (definition == typeof(ImmutableArray<>))
            {
                return (IValueCodec)Activator.CreateInstance(typeof(ImmutableArrayCodec<>).MakeGenericType(element), registry.Get(element))!;
            }

            if (definition == typeof(List<>) || definition == typeof(IReadOnlyList<>) || definition == typeof(IList<>)
                || definition == typeof(IReadOnlyCollection<>) || definition == typeof(ICollection<>) || definition == typeof(IEnumerable<>))
            {
                return (IValueCodec)Activator.CreateInstance(typeof(ListCodec<>).MakeGenericType(element), registry.Get(element))!;
            }
        }

        return new JsonCodec(type, JsonOptions);
    }
}
