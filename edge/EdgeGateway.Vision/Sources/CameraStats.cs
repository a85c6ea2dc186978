using EdgeGateway.Core.Health;

namespace EdgeGateway.Vision.Sources;

/// <summary>Live counters of one camera, written by its reader and worker, read by the diagnostics page.</summary>
public sealed class CameraStats(string cameraId, string role, TimeProvider time)
{
    private long _framesIn;
    private long _framesAnalysed;
    private long _framesDropped;
    private long _detectorRuns;
    private long _detectorTicks;
    private long _lagTicks = -1;
    private long _lastFrameTimestamp = -1;
    private long _lastAnalysedTimestamp = -1;
    private int _reconnects;
    private volatile bool _connected;
    private volatile bool _ended;
    private volatile bool _stalled;
    private long _openedTimestamp = -1;
    private volatile string? _lastError;
    private double _analysisFps;
    private volatile string _role = role;
    private volatile string? _settingsError;

    public string CameraId { get; } = cameraId;

    public long FramesIn => Interlocked.Read(ref _framesIn);

    public long FramesAnalysed => Interlocked.Read(ref _framesAnalysed);

    public long FramesDropped => Interlocked.Read(ref _framesDropped);

    /// <summary>How often the detector actually ran (motion gating skips still frames).</summary>
    public long DetectorRuns => Interlocked.Read(ref _detectorRuns);

    public int Reconnects => Volatile.Read(ref _reconnects);

    public bool Connected => _connected;

    /// <summary>A file camera that reached its end (not looping).</summary>
    public bool Ended => _ended;

    public string? LastError => _settingsError ?? _lastError;

    /// <summary>The camera's role; a configuration change may give the camera another one and keep its counters.</summary>
    public string Role
    {
        get => _role;
        internal set => _role = value;
    }

    /// <summary>
    /// New settings this camera could not take (e.g. its model did not load): shown as its error, ahead of the
    /// reader's, until settings it can run with arrive. Null clears it.
    /// </summary>
    internal void SettingsRejected(string? error) => _settingsError = error;

    public double? LastFrameAgeSeconds
    {
        get
        {
            var last = Interlocked.Read(ref _lastFrameTimestamp);
            return last < 0 ? null : time.GetElapsedTime(last).TotalSeconds;
        }
    }

    internal void FrameIn()
    {
        Interlocked.Increment(ref _framesIn);
        Interlocked.Exchange(ref _lastFrameTimestamp, time.GetTimestamp());
        if (_stalled)
        {
            // Frames flow again: the stall is over.
            _stalled = false;
            _lastError = null;
        }
    }

    /// <summary>Seconds since the source last delivered a frame or (re)opened, whichever is later.</summary>
    internal double? SecondsWithoutFrames
    {
        get
        {
            var since = Math.Max(Interlocked.Read(ref _lastFrameTimestamp), Interlocked.Read(ref _openedTimestamp));
            return since < 0 ? null : time.GetElapsedTime(since).TotalSeconds;
        }
    }

    internal void FrameDropped() => Interlocked.Increment(ref _framesDropped);

    /// <summary>When the newest frame was read (a timestamp of the stats' clock), or -1 before the first.</summary>
    internal long LastFrameTimestamp => Interlocked.Read(ref _lastFrameTimestamp);

    /// <param name="detectorRan">Whether the detector ran on the frame.</param>
    /// <param name="readAt">When the frame was read (<see cref="LastFrameTimestamp"/> as it was taken; the worker's queue holds one frame).</param>
    /// <param name="detectorStarted">When the detector started on it.</param>
    internal void FrameAnalysed(bool detectorRan, long readAt = -1, long detectorStarted = -1)
    {
        Interlocked.Increment(ref _framesAnalysed);
        var now = time.GetTimestamp();
        if (detectorRan)
        {
            Interlocked.Increment(ref _detectorRuns);
            if (detectorStarted >= 0)
            {
                Interlocked.Add(ref _detectorTicks, now - detectorStarted);
            }
        }

        if (readAt >= 0)
        {
            Interlocked.Exchange(ref _lagTicks, now - readAt);
        }

        var previous = Interlocked.Exchange(ref _lastAnalysedTimestamp, now);
        if (previous >= 0)
        {
            var seconds = time.GetElapsedTime(previous, now).TotalSeconds;
            if (seconds > 0)
            {
                // Smoothed over a few frames so the page does not flicker.
                var fps = 1 / seconds;
                var old = Volatile.Read(ref _analysisFps);
                Volatile.Write(ref _analysisFps, old <= 0 ? fps : (0.8 * old) + (0.2 * fps));
            }
        }
    }

    internal void Opened()
    {
        Interlocked.Exchange(ref _openedTimestamp, time.GetTimestamp());
        _stalled = false;
        _connected = true;
        _ended = false;
        _lastError = null;
    }

    internal void Failed(string error)
    {
        _stalled = false;
        _connected = false;
        _lastError = error;
    }

    /// <summary>A stall the reader has not noticed yet; cleared by the next frame.</summary>
    internal void Stalled(string error)
    {
        _stalled = true;
        _lastError = error;
    }

    internal void Reconnecting() => Interlocked.Increment(ref _reconnects);

    internal void EndOfFile(string? error)
    {
        _connected = false;
        _ended = true;
        _lastError = error;
    }

    /// <summary>Seconds since the worker last analysed a frame, or null before the first.</summary>
    public double? LastAnalysedAgeSeconds
    {
        get
        {
            var last = Interlocked.Read(ref _lastAnalysedTimestamp);
            return last < 0 ? null : time.GetElapsedTime(last).TotalSeconds;
        }
    }

    public CameraHealth ToHealth() => new(
        CameraId,
        _role,
        Connected,
        FramesIn,
        FramesAnalysed,
        FramesDropped,
        LastFrameAgeSeconds,
        Reconnects,
        LastError,
        Math.Round(Volatile.Read(ref _analysisFps), 2),
        LastAnalysedAgeSeconds)
    {
        DetectorRuns = DetectorRuns,
        DetectorSeconds = (double)Interlocked.Read(ref _detectorTicks) / time.TimestampFrequency,
        LagSeconds = Interlocked.Read(ref _lagTicks) is var lag and >= 0 ? (double)lag / time.TimestampFrequency : null,
    };
}
