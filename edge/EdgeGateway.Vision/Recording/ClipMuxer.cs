using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EdgeGateway.Vision.Recording;

/// <summary>
/// Joins a clip's segments into one MP4 without re-encoding (ffmpeg's concat demuxer, <c>-c copy</c>), trimmed
/// at the end, with the index at the front (<c>+faststart</c>) so a browser plays it while it downloads.
/// </summary>
internal static class ClipMuxer
{
    public static async Task<string?> WriteAsync(IReadOnlyList<Segment> segments, DateTimeOffset end, string destination, CancellationToken cancellationToken)
    {
        var existing = segments.Where(s => File.Exists(s.Path)).ToList();
        if (existing.Count == 0)
        {
            return null;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var list = destination + ".ffconcat";
        var text = new StringBuilder("ffconcat version 1.0\n");
        foreach (var segment in existing)
        {
            text.Append(CultureInfo.InvariantCulture, $"file '{segment.Path.Replace("'", "'\\''", StringComparison.Ordinal)}'\n");
        }

        var last = existing[^1];
        if (end < last.End)
        {
            text.Append(CultureInfo.InvariantCulture, $"outpoint {Math.Max(0.1, (end - last.Start).TotalSeconds):0.###}\n");
        }

        await File.WriteAllTextAsync(list, text.ToString(), cancellationToken);
        var temporary = destination + ".tmp";
        try
        {
            using var process = Process.Start(new ProcessStartInfo("ffmpeg",
                ["-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", list,
                 "-map", "0:v:0", "-c", "copy", "-movflags", "+faststart", "-f", "mp4", "-y", temporary])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            }) ?? throw new InvalidOperationException("ffmpeg did not start; install the ffmpeg package");
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"ffmpeg could not join the clip (exit code {process.ExitCode}): {(await errors).Trim()}");
            }

            File.Move(temporary, destination, overwrite: true);
            return destination;
        }
        finally
        {
            File.Delete(list);
            File.Delete(temporary);
        }
    }
}
