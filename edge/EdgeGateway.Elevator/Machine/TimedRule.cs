using EdgeGateway.Core.Alerts;

namespace EdgeGateway.Elevator.Machine;

/// <summary>
/// A fault that is raised when its condition has held for a delay, and cleared when its clear
/// condition holds. Raised once, cleared once: while active it never raises again.
/// </summary>
internal sealed class TimedRule(string kind, AlertSeverity severity, Func<bool> condition, Func<bool> clears, long delayTicks)
{
    public string Kind { get; } = kind;

    public AlertSeverity Severity { get; } = severity;

    /// <summary>Extra requirement at raise time (e.g. someone present); the timer runs without it.</summary>
    public Func<bool>? Gate { get; init; }

    public long DelayTicks { get; set; } = delayTicks;

    public long? SinceTicks { get; private set; }

    public bool Active { get; set; }

    /// <summary>When this rule would raise if nothing changes, or <see cref="long.MaxValue"/>.</summary>
    public long DueTicks =>
        !Active && SinceTicks is { } since && (Gate is null || Gate()) ? since + DelayTicks : long.MaxValue;

    /// <summary>Re-reads the condition after the signals changed at <paramref name="now"/>.</summary>
    public void Rearm(long now)
    {
        if (condition())
        {
            SinceTicks ??= now;
        }
        else
        {
            SinceTicks = null;
        }
    }

    public bool ShouldRaise(long at) => !Active && DueTicks <= at;

    public bool ShouldClear() => Active && clears();
}
