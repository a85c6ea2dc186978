namespace EdgeGateway.Supervision.Progress;

/// <summary>
/// One part's proof of life. The part calls <see cref="Beat"/> whenever it has made progress: a
/// loop iteration, a record written, or a wait that timed out while idle. Disposing it takes the
/// part off the registry (it stopped on purpose); a part that stops beating without that is stalled.
/// </summary>
public sealed class Heartbeat : IDisposable
{
    private readonly ProgressRegistry _registry;
    private readonly TimeProvider _time;
    private long _lastBeat;
    private int _disposed;

    internal Heartbeat(ProgressRegistry registry, string part, TimeSpan deadline, TimeProvider time)
    {
        _registry = registry;
        _time = time;
        Part = part;
        Deadline = deadline;
        _lastBeat = time.GetTimestamp();
    }

    /// <summary>The part's name as the log and <c>STATUS=</c> show it, e.g. <c>camera kitchen-1</c>.</summary>
    public string Part { get; }

    /// <summary>The longest the part may go without a beat and still count as healthy.</summary>
    public TimeSpan Deadline { get; }

    /// <summary>How long ago the part last beat.</summary>
    public TimeSpan SinceLastBeat => _time.GetElapsedTime(Interlocked.Read(ref _lastBeat));

    /// <summary>How often an idle part should beat: often enough that one late wake-up does not miss the deadline.</summary>
    public TimeSpan IdleInterval => Deadline / 4;

    public void Beat() => Interlocked.Exchange(ref _lastBeat, _time.GetTimestamp());

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _registry.Remove(this);
        }
    }
}
