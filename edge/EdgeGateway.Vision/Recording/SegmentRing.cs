using System.Diagnostics;
using System.Globalization;
using EdgeGateway.Vision.Configuration;
using EdgeGateway.Vision.Sources;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Vision.Recording;

/// <summary>One stream-copied piece of a camera's stream, with when it started and ended on the box's clock.</summary>
internal sealed record Segment(string Path, DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// A camera's last minute or so of encoded video, kept by an <c>ffmpeg -c copy</c> child (no decoding, no
/// re-encoding) as short MPEG-TS segments cut at keyframes, as Frigate records. ffmpeg lists each finished segment
/// with its stream times; the ring maps them to the box's clock by the smallest delay it has seen between a
/// segment's end and its listing. Segments older than the longest clip needs are deleted. A stopped ring keeps its
/// segments (a clip may still be cut from them) until <see cref="Discard"/>.
/// </summary>
internal sealed partial class SegmentRing(CameraOptions camera, string folder, double segmentSeconds, TimeSpan keep, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private readonly Lock _gate = new();
    private readonly List<(string Path, double Start, double End)> _segments = [];
    private readonly List<string> _runs = [];
    private TimeSpan? _anchor;

    /// <summary>What the ring reads from its camera: a ring whose settings differ must be started anew.</summary>
    public static RingSettings SettingsOf(CameraOptions camera) =>
        new(camera.Url, camera.Loop, camera.OpenTimeoutSeconds, camera.ReconnectMinSeconds, camera.ReconnectMaxSeconds);

    public string CameraId => camera.Id;

    /// <summary>The ffmpeg child's process id while it runs (for the CPU measurement), else null.</summary>
    public int? ProcessId { get; private set; }

    public DateTimeOffset? NewestEnd
    {
        get
        {
            lock (_gate)
            {
                return _segments.Count == 0 ? null : Wall(_segments[^1].End);
            }
        }
    }

    /// <summary>The segments that overlap <paramref name="from"/>..<paramref name="to"/>, oldest first.</summary>
    public IReadOnlyList<Segment> Between(DateTimeOffset from, DateTimeOffset to)
    {
        lock (_gate)
        {
            return [.. _segments.Select(s => new Segment(s.Path, Wall(s.Start), Wall(s.End))).Where(s => s.End > from && s.Start < to)];
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var reconnect = camera.Reconnect().Start(time);
        while (!cancellationToken.IsCancellationRequested)
        {
            var run = Path.Combine(folder, camera.Id, time.GetUtcNow().ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture));
            var started = time.GetTimestamp();
            try
            {
                lock (_gate)
                {
                    _runs.Add(run);
                }

                Directory.CreateDirectory(run);
                await RecordOnceAsync(run, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
            {
                RecordingLog.RecorderFailed(logger, camera.Id, ex.Message);
            }

            Prune(run: null);
            if (time.GetElapsedTime(started) > TimeSpan.FromSeconds(30))
            {
                // The recorder ran for a while: this is a fresh failure, not one more of a series.
                reconnect.Reset();
            }

            await reconnect.WaitAsync(reconnect.Fail(), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RecordOnceAsync(string run, CancellationToken cancellationToken)
    {
        var list = Path.Combine(run, "segments.csv");
        using var process = Process.Start(new ProcessStartInfo("ffmpeg", Arguments(run, list))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("ffmpeg did not start; install the ffmpeg package");
        ProcessId = process.Id;
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        long read = 0;
        TimeSpan? anchor = null;
        lock (_gate)
        {
            ForgetLastRun();
        }

        try
        {
            while (!process.HasExited)
            {
                await Task.Delay(Poll, time, cancellationToken);
                (read, anchor) = ReadList(list, run, read, anchor);
                Prune(run);
            }

            (_, _) = ReadList(list, run, read, anchor);
            var error = (await errors).Trim();
            RecordingLog.RecorderStopped(logger, camera.Id, process.ExitCode, error.Length == 0 ? "the stream ended" : error.Split('\n')[^1]);
        }
        finally
        {
            ProcessId = null;
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    private List<string> Arguments(string run, string list)
    {
        var arguments = new List<string> { "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error" };
        CameraUrl.TryClassify(camera.Url, out var kind);
        if (kind == SourceKind.Rtsp)
        {
            var microseconds = ((long)TimeSpan.FromSeconds(camera.OpenTimeoutSeconds).TotalMicroseconds).ToString(CultureInfo.InvariantCulture);
            arguments.AddRange(["-rtsp_transport", "tcp", "-timeout", microseconds]);
        }
        else if (kind == SourceKind.File)
        {
            // A file stands in for a camera: read at its own pace, looped when the camera loops.
            arguments.Add("-re");
            if (camera.Loop)
            {
                arguments.AddRange(["-stream_loop", "-1"]);
            }
        }

        arguments.AddRange([
            "-i", CameraUrl.OpenTarget(camera.Url), "-map", "0:v:0", "-c", "copy",
            "-f", "segment", "-segment_time", segmentSeconds.ToString("0.###", CultureInfo.InvariantCulture),
            "-segment_format", "mpegts", "-segment_list", list, "-segment_list_type", "csv",
            Path.Combine(run, "s%06d.ts")]);
        return arguments;
    }

    /// <summary>Reads the lines ffmpeg appended since <paramref name="read"/>: <c>name,start,end</c> in stream seconds.</summary>
    private (long Read, TimeSpan? Anchor) ReadList(string list, string run, long read, TimeSpan? anchor)
    {
        if (!File.Exists(list) || new FileInfo(list).Length <= read)
        {
            return (read, anchor);
        }

        using var stream = new FileStream(list, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Position = read;
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        var complete = text.LastIndexOf('\n');
        if (complete < 0)
        {
            return (read, anchor);
        }

        var now = time.GetUtcNow();
        var added = new List<(string Path, double Start, double End)>();
        foreach (var line in text[..complete].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Trim().Split(',');
            if (parts.Length == 3
                && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var start)
                && double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var end))
            {
                added.Add((Path.Combine(run, parts[0]), start, end));
                // Listed once finished: its end was at most now. The smallest such delay is the truest.
                var candidate = TimeSpan.FromTicks(now.UtcTicks) - TimeSpan.FromSeconds(end);
                anchor = anchor is null || candidate < anchor ? candidate : anchor;
            }
        }

        lock (_gate)
        {
            _segments.AddRange(added);
            _anchor = anchor;
        }

        return (read + System.Text.Encoding.UTF8.GetByteCount(text[..(complete + 1)]), anchor);
    }

    /// <summary>Deletes segments no clip can still need; with <paramref name="run"/> null, also finished runs' folders.</summary>
    private void Prune(string? run)
    {
        var horizon = time.GetUtcNow() - keep;
        List<(string Path, double Start, double End)> old;
        lock (_gate)
        {
            old = [.. _segments.Where(s => Wall(s.End) < horizon)];
            _segments.RemoveAll(s => Wall(s.End) < horizon);
        }

        foreach (var segment in old)
        {
            File.Delete(segment.Path);
        }

        if (run is null)
        {
            // Only this ring's runs: another ring of the same camera (before a configuration change) may still hold a clip's segments.
            string[] runs;
            lock (_gate)
            {
                runs = [.. _runs];
            }

            foreach (var finished in runs)
            {
                if (!Directory.Exists(finished) || !Directory.EnumerateFiles(finished, "*.ts").Any())
                {
                    DeleteRun(finished);
                }
            }
        }
    }

    /// <summary>
    /// A new ffmpeg run starts its stream clock anew, so the last run's segments cannot be placed on it: a clip never
    /// spans a reconnect, and they go.
    /// </summary>
    private void ForgetLastRun()
    {
        foreach (var segment in _segments)
        {
            File.Delete(segment.Path);
        }

        _segments.Clear();
        _anchor = null;
    }

    /// <summary>A stream time on the box's clock (under the lock).</summary>
    private DateTimeOffset Wall(double streamSeconds) =>
        new DateTimeOffset((_anchor ?? TimeSpan.Zero).Ticks, TimeSpan.Zero) + TimeSpan.FromSeconds(streamSeconds);

    /// <summary>Deletes the stopped ring's segments and run folders, and the camera's folder once nothing else is in it.</summary>
    public void Discard()
    {
        string[] runs;
        lock (_gate)
        {
            _segments.Clear();
            runs = [.. _runs];
        }

        foreach (var run in runs)
        {
            DeleteRun(run);
        }

        try
        {
            var own = Path.Combine(folder, camera.Id);
            if (Directory.Exists(own) && !Directory.EnumerateFileSystemEntries(own).Any())
            {
                Directory.Delete(own);
            }
        }
        catch (IOException)
        {
            // A new ring of the camera started a run in it meanwhile: the folder is that ring's now.
        }
    }

    private void DeleteRun(string run)
    {
        try
        {
            if (Directory.Exists(run))
            {
                Directory.Delete(run, recursive: true);
            }
        }
        catch (DirectoryNotFoundException)
        {
            // Deleted meanwhile by a second discard (a clip written while the service stops).
        }

        lock (_gate)
        {
            _runs.Remove(run);
        }
    }
}

/// <summary>The camera settings a <see cref="SegmentRing"/> reads (no secrets are logged from it: only which ones changed).</summary>
internal sealed record RingSettings(string Url, bool Loop, double OpenTimeoutSeconds, double ReconnectMinSeconds, double ReconnectMaxSeconds)
{
    /// <summary>The names of the settings that differ from <paramref name="other"/>, e.g. <c>Url, Loop</c>.</summary>
    public string Changes(RingSettings other)
    {
        var names = new List<string>();
        if (!string.Equals(Url, other.Url, StringComparison.Ordinal))
        {
            names.Add(nameof(Url));
        }

        if (Loop != other.Loop)
        {
            names.Add(nameof(Loop));
        }

        if (!OpenTimeoutSeconds.Equals(other.OpenTimeoutSeconds))
        {
            names.Add(nameof(OpenTimeoutSeconds));
        }

        if (!ReconnectMinSeconds.Equals(other.ReconnectMinSeconds) || !ReconnectMaxSeconds.Equals(other.ReconnectMaxSeconds))
        {
            names.Add("Reconnect*Seconds");
        }

        return string.Join(", ", names);
    }
}
