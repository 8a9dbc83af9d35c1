using System.Diagnostics;
using System.Text;

namespace Cluster.Integration.Tests.Infrastructure;

/// <summary>Runs the real ffmpeg binary as an encoder.</summary>
public sealed class Ffmpeg : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private Ffmpeg(Process process)
    {
        _process = process;
    }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Test pattern input: 25 fps video and a 48 kHz sine, generated (lavfi), optionally paced in real time.</summary>
    public static string TestPattern(bool realTime, double seconds, string size = "320x180")
    {
        // The duration goes into each source: an output-side -t would bind to the first output only.
        var duration = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var pace = realTime ? "-re " : "";
        return $"{pace}-f lavfi -i testsrc2=size={size}:rate=25:duration={duration} {pace}-f lavfi -i sine=frequency=440:sample_rate=48000:duration={duration}";
    }

    /// <summary>x264 settings giving a key frame (and so a Smooth fragment) every <paramref name="gopFrames"/> frames.</summary>
    public static string H264(int bitrateKbps, int gopFrames = 50) =>
        $"-c:v libx264 -preset veryfast -b:v {bitrateKbps}k -maxrate {bitrateKbps}k -bufsize {bitrateKbps * 2}k -g {gopFrames} -keyint_min {gopFrames} -sc_threshold 0 -pix_fmt yuv420p";

    /// <summary>A Smooth Streaming push output (what IIS and Azure Media Services take from ffmpeg).</summary>
    public static string SmoothOutput(Uri url) => $"-f ismv -movflags isml+frag_keyframe \"{url}\"";

    /// <summary>
    /// The README's multi-bitrate push: two H.264 outputs and one AAC output, each its own long-running POST.
    /// </summary>
    public static string MultiBitratePush(Uri point, bool realTime, double seconds, int gopFrames = 50) =>
        $"{TestPattern(realTime, seconds, "640x360")} " +
        "-filter_complex \"[0:v]split=2[hi][lo0];[lo0]scale=320:180[lo]\" " +
        $"-map \"[hi]\" {H264(600, gopFrames)} {SmoothOutput(new Uri(point, "Streams(video-600k)"))} " +
        $"-map \"[lo]\" {H264(300, gopFrames)} {SmoothOutput(new Uri(point, "Streams(video-300k)"))} " +
        $"-map 1:a -c:a aac -b:a 64k -frag_duration {gopFrames * 40_000} {SmoothOutput(new Uri(point, "Streams(audio)"))}";

    public static Ffmpeg Start(string arguments)
    {
        var info = new ProcessStartInfo("ffmpeg", "-hide_banner -nostdin -loglevel warning " + arguments)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException("ffmpeg did not start.");
        var ffmpeg = new Ffmpeg(process);
        process.ErrorDataReceived += (_, e) => ffmpeg.Append(e.Data);
        process.OutputDataReceived += (_, e) => ffmpeg.Append(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return ffmpeg;
    }

    /// <summary>Whether ffmpeg has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Waits for ffmpeg to finish and returns its exit code.</summary>
    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }
}
