using System.Buffers;
using Cluster.Contracts.Tracks;
using Cluster.Media.Model;
using Cluster.Runtime.Transport;

namespace Cluster.Grains.Transport;

/// <summary>
/// A <see cref="CmafTrackHeader"/> between silos: the track kind in one byte, then the header's bytes raw. The bytes are
/// copied on read, because the header holds a <see cref="T:byte[]"/> (a few hundred bytes, fetched once per session);
/// the receiver's constructor computes <see cref="CmafTrackHeader.ETag"/> from them again.
/// </summary>
internal sealed class CmafTrackHeaderCodec : IGrainCallCodec<CmafTrackHeader>
{
    public void Write(CmafTrackHeader value, IBufferWriter<byte> output)
    {
        var head = output.GetSpan(1);
        head[0] = (byte)value.Kind;
        output.Advance(1);
        output.Write(value.Bytes);
    }

    public CmafTrackHeader Read(ReadOnlyMemory<byte> input)
    {
        if (input.IsEmpty)
        {
            throw new FormatException("A CMAF header message is empty.");
        }

        var kind = (TrackKind)input.Span[0];
        if (!Enum.IsDefined(kind))
        {
            throw new FormatException($"A CMAF header message has an unknown track kind {input.Span[0]}.");
        }

        return new CmafTrackHeader(kind, input[1..].ToArray());
    }
}
