using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;

namespace Cluster.Gateway.Ingest;

/// <summary>Answers and body handling shared by the ingest handlers.</summary>
internal static class IngestHttp
{
    /// <summary>Whether an exception means the encoder went away (or the node is stopping) rather than bad input.</summary>
    public static bool IsDisconnect(Exception e, CancellationToken aborted) =>
        e is IOException or BadHttpRequestException
        || (e is OperationCanceledException && aborted.IsCancellationRequested);

    /// <summary>Sets the status and a plain-text reason, unless the response has already started.</summary>
    public static async Task Respond(HttpContext context, int status, string? reason)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable && context.Response.Headers.RetryAfter.Count == 0)
        {
            // A node at a quota or a silo moving: the encoder may come back soon.
            context.Response.Headers.RetryAfter = "5";
        }

        if (reason is not null)
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(reason + "\n", CancellationToken.None);
        }
    }

    /// <summary>A sender still connected but too slow (Kestrel's MinRequestBodyDataRate) hears why: 408 with the reason.</summary>
    public static Task RespondToBrokenBody(HttpContext context, Exception e) =>
        e is BadHttpRequestException bad ? Respond(context, bad.StatusCode, bad.Message) : Task.CompletedTask;

    /// <summary>Reads and drops a body (a manifest we do not use), so the sender sees its upload complete.</summary>
    public static async Task DrainAsync(PipeReader reader, CancellationToken ct)
    {
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Reads a whole body into a pooled buffer; null when it is longer than <paramref name="max"/> bytes (checked
    /// against Content-Length first, then while reading, so an oversized body is never buffered).
    /// </summary>
    public static async Task<PooledBody?> ReadBodyAsync(HttpRequest request, int max, CancellationToken ct)
    {
        if (request.ContentLength > max)
        {
            return null;
        }

        var reader = request.BodyReader;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? 64 * 1024, max) + 1);
        var length = 0;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(ct);
                var data = result.Buffer;
                if (length + data.Length > max)
                {
                    reader.AdvanceTo(data.End);
                    ArrayPool<byte>.Shared.Return(buffer);
                    return null;
                }

                if (length + data.Length > buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(buffer.Length * 2L, length + data.Length), max));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                data.CopyTo(buffer.AsSpan(length));
                length += (int)data.Length;
                reader.AdvanceTo(data.End);
                if (result.IsCompleted)
                {
                    return new PooledBody(buffer, length);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>A request body in a rented array; dispose to return it.</summary>
    internal sealed class PooledBody(byte[] buffer, int length) : IDisposable
    {
        private byte[]? _buffer = buffer;

        public int Length { get; } = length;

        public ReadOnlySpan<byte> Span => (_buffer ?? throw new ObjectDisposedException(nameof(PooledBody))).AsSpan(0, Length);

        public void Dispose()
        {
            if (_buffer is { } rented)
            {
                _buffer = null;
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
