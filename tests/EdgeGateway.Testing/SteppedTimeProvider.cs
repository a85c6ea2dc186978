using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Testing;

/// <summary>
/// Fake time that moves only when the code under test is waiting on it: it advances straight to the
/// next pending timer, and only once one exists. A test then never outruns a slow machine, and never
/// skips past a wait the code had not reached yet.
/// </summary>
public sealed class SteppedTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private static readonly TimeSpan RealTimeLimit = TimeSpan.FromSeconds(30);
    private readonly Lock _gate = new();
    private readonly Dictionary<TrackedTimer, DateTimeOffset> _pending = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var tracked = new TrackedTimer(this);
        tracked.Inner = base.CreateTimer(callback, state, dueTime, period);
        Track(tracked, dueTime);
        return tracked;
    }

    /// <summary>Moves time forward by <paramref name="span"/>, one pending timer at a time, then waits until the code is idle again.</summary>
    public async Task AdvanceWhileWaitingAsync(TimeSpan span)
    {
        var end = GetUtcNow() + span;
        while (GetUtcNow() < end)
        {
            var next = await NextPendingTimerAsync();
            Advance((next < end ? next : end) - GetUtcNow());
        }

        await NextPendingTimerAsync();
    }

    /// <summary>Returns once the code under test waits on this clock: a timer of its is pending.</summary>
    public Task WhenWaitingAsync() => NextPendingTimerAsync();

    private void Track(TrackedTimer timer, TimeSpan dueTime)
    {
        lock (_gate)
        {
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                _pending.Remove(timer);
            }
            else
            {
                _pending[timer] = GetUtcNow() + dueTime;
            }
        }
    }

    private void Forget(TrackedTimer timer)
    {
        lock (_gate)
        {
            _pending.Remove(timer);
        }
    }

    private async Task<DateTimeOffset> NextPendingTimerAsync()
    {
        var deadline = DateTime.UtcNow + RealTimeLimit;
        while (true)
        {
            lock (_gate)
            {
                var now = GetUtcNow();
                var due = _pending.Values.Where(at => at > now).ToList();
                if (due.Count > 0)
                {
                    return due.Min();
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"nothing waited on the fake clock for {RealTimeLimit.TotalSeconds} s of real time");
            }

            await Task.Delay(1);
        }
    }

    private sealed class TrackedTimer(SteppedTimeProvider owner) : ITimer
    {
        public ITimer Inner { get; set; } = null!;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            owner.Track(this, dueTime);
            return Inner.Change(dueTime, period);
        }

        public void Dispose()
        {
            owner.Forget(this);
            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            owner.Forget(this);
            return Inner.DisposeAsync();
        }
    }
}
