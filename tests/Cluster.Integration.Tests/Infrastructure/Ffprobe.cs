using System.Diagnostics;
using System.Text.Json;

namespace Cluster.Integration.Tests.Infrastructure;

/// <summary>Runs the real ffprobe against a URL and returns the streams it found.</summary>
public static class Ffprobe
{
    public sealed record Stream(string CodecType, string CodecName, int Width, int Height);

    public static async Task<List<Stream>> StreamsAsync(Uri url)
    {
        var info = new ProcessStartInfo("ffprobe", $"-v error -show_entries stream=codec_type,codec_name,width,height -of json \"{url}\"")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        process.ExitCode.ShouldBe(0, await errors);

        using var json = JsonDocument.Parse(await output);
        return [.. json.RootElement.GetProperty("streams").EnumerateArray().Select(s => new Stream(
            s.GetProperty("codec_type").GetString()!,
            s.GetProperty("codec_name").GetString()!,
            s.TryGetProperty("width", out var w) ? w.GetInt32() : 0,
            s.TryGetProperty("height", out var h) ? h.GetInt32() : 0))];
    }
}
