using System.Net;

namespace Cluster.Integration.Tests.Infrastructure;

/// <summary>
/// Pushes the captured ffmpeg Smooth body (TestData/three-tracks.ismv: video at 200 and 100 kbit/s, AAC at 64 kbit/s,
/// two 2-second fragments each, then mfra) the way an encoder does: one chunked POST without Content-Type.
/// </summary>
public static class CapturePush
{
    public static readonly byte[] Capture = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "three-tracks.ismv"));

    /// <summary>The capture cut inside its last fragment: the point keeps what came before and stays live.</summary>
    public static byte[] CutInLastFragment() => Capture.AsSpan(0, Boxes.Children(Capture, 0, Capture.Length).Last(b => b.Type == "moof").Offset + 100).ToArray();

    public static async Task<HttpStatusCode> PushAsync(InProcessSilo silo, string url, byte[]? body = null)
    {
        using var response = await SendAsync(silo, url, new ByteArrayContent(body ?? Capture));
        return response.StatusCode;
    }

    public static Task<HttpResponseMessage> SendAsync(InProcessSilo silo, string url, HttpContent content)
    {
        content.Headers.ContentType = null;
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        return silo.Http.SendAsync(request);
    }
}
