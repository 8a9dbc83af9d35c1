using System.Diagnostics;
using System.Text.Json;

namespace Cluster.Media.Tests.TestSupport;

/// <summary>Runs the installed ffprobe on bytes written to a temporary file and returns its JSON report.</summary>
internal static class Ffprobe
{
    /// <param name="file">The file's bytes.</param>
    /// <param name="extension">File name extension, which ffprobe uses as a hint.</param>
    /// <param name="arguments">What to show, such as <c>-show_streams</c>.</param>
    public static JsonElement Run(byte[] file, string extension, params string[] arguments)
    {
        var path = Path.Combine(Path.GetTempPath(), $"probe-{Guid.NewGuid():N}{extension}");
        File.WriteAllBytes(path, file);
        try
        {
            var info = new ProcessStartInfo("ffprobe", ["-v", "error", .. arguments, "-of", "json", path])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            process.ExitCode.ShouldBe(0, stderr);
            stderr.ShouldBeEmpty();
            return JsonDocument.Parse(stdout.Result).RootElement.Clone();
        }
        finally
        {
            File.Delete(path);
        }
    }
}
