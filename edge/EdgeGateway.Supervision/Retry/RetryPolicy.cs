namespace EdgeGateway.Supervision.Retry;

/// <summary>
/// How every part of the box and the relay waits before trying again (a camera reopening its stream, the recorder,
/// the uplink's reconnect and refused sends, the relay's shared subscriber, its webhook and its database retries):
/// capped exponential backoff, <c>min(Max, First·2^(attempt-1))</c>, optionally scaled into [50 %, 100 %] by jitter so
/// a fleet that lost its relay at once does not come back at once.
/// </summary>
public sealed record RetryPolicy
{
    public RetryPolicy(TimeSpan first, TimeSpan max, bool jitter = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(first, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, first);
        First = first;
        Max = max;
        Jitter = jitter;
    }

    /// <summary>
    /// A policy from settings that may not have been validated yet (a probe, a bench): the first delay at least 1 ms,
    /// the cap at least the first delay, so a bad setting slows retries instead of throwing. Validators report it.
    /// </summary>
    public static RetryPolicy FromSettings(TimeSpan first, TimeSpan max, bool jitter = false)
    {
        var safeFirst = first < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : first;
        return new RetryPolicy(safeFirst, max < safeFirst ? safeFirst : max, jitter);
    }

    public TimeSpan First { get; }

    public TimeSpan Max { get; }

    public bool Jitter { get; }

    /// <summary>
    /// The delay before retry number <paramref name="attempt"/> (1 for the first retry). <paramref name="jitter"/> in
    /// [0, 1) picks the point in [50 %, 100 %] when the policy jitters; without jitter the full delay is used.
    /// </summary>
    public TimeSpan Delay(int attempt, double jitter)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var raw = Math.Min(Max.TotalMilliseconds, First.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(Jitter ? raw * (0.5 + (0.5 * Math.Clamp(jitter, 0, 1))) : raw);
    }

    /// <summary>The delay before retry number <paramref name="attempt"/>, jittered at random when the policy jitters.</summary>
    public TimeSpan Delay(int attempt) => Delay(attempt, Jitter ? Random.Shared.NextDouble() : 1);

    /// <summary>A run of attempts that waits on <paramref name="time"/>, so tests drive it with fake time.</summary>
    public Retry Start(TimeProvider time) => new(this, time);
}

/// <summary>One run of retries under a <see cref="RetryPolicy"/>: each failure waits longer until <see cref="Reset"/>.</summary>
public sealed class Retry(RetryPolicy policy, TimeProvider time)
{
    /// <summary>Failures counted since the last success (0 before the first).</summary>
    public int Attempt { get; private set; }

    /// <summary>Counts a failure; returns how long to wait before the next try.</summary>
    public TimeSpan Fail() => policy.Delay(++Attempt);

    /// <summary>Waits <paramref name="delay"/> on the run's clock.</summary>
    public Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, time, cancellationToken);

    /// <summary>Counts a failure and waits for it; returns the delay waited.</summary>
    public async Task<TimeSpan> FailAndWaitAsync(CancellationToken cancellationToken)
    {
        var delay = Fail();
        await WaitAsync(delay, cancellationToken).ConfigureAwait(false);
        return delay;
    }

    /// <summary>After a success: the next failure waits the shortest delay again.</summary>
    public void Reset() => Attempt = 0;
}
