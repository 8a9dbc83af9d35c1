using System.Buffers;

namespace Cluster.Runtime.Transport;

/// <summary>
/// A hand-written binary encoding of one type for silo-to-silo grain calls, registered with
/// <see cref="GrainCallServiceCollectionExtensions.AddGrainCallCodec{T}"/>. It overrides the built-in encoding of
/// <typeparamref name="T"/> (including the System.Text.Json fallback), e.g. so a media fragment's bytes travel raw.
/// </summary>
/// <typeparam name="T">The encoded type.</typeparam>
/// <remarks>
/// The transport frames every value with its length and encodes <see langword="null"/> itself, so a codec sees only
/// non-null values and, when reading, exactly the bytes it wrote. Codecs must be thread-safe and stateless.
/// </remarks>
public interface IGrainCallCodec<T>
{
    /// <summary>Writes <paramref name="value"/> (never null) to <paramref name="output"/>.</summary>
    void Write(T value, IBufferWriter<byte> output);

    /// <summary>
    /// Reads a value from exactly the bytes <see cref="Write"/> produced. <paramref name="input"/> is a slice of the
    /// received message; it stays valid after the call, so a codec may keep a <see cref="ReadOnlyMemory{T}"/> slice of it
    /// instead of copying (the whole message then stays alive as long as the slice does).
    /// </summary>
    T Read(ReadOnlyMemory<byte> input);
}
