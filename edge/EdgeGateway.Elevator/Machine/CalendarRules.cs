using System.Globalization;

namespace EdgeGateway.Elevator.Machine;

/// <summary>maintenance_overdue: <c>MaintenanceInterval</c> after the last check-in (or the start); cleared by a check-in.</summary>
internal sealed class MaintenanceRule(ElevatorOptions options, long baseTicks, DateTimeOffset? lastCheckIn) : IFaultRule
{
    private long _baseTicks = baseTicks;

    public string Kind => AlertKinds.MaintenanceOverdue;

    public AlertSeverity Severity => AlertSeverity.Warning;

    public bool Active { get; private set; }

    public DateTimeOffset? LastCheckIn { get; private set; } = lastCheckIn;

    public long DueTicks => Active ? long.MaxValue : _baseTicks + options.MaintenanceInterval.Ticks;

    public void CheckIn(DateTimeOffset at)
    {
        LastCheckIn = at;
        _baseTicks = at.UtcTicks;
    }

    public void Evaluate(long at, IFaultSink sink)
    {
        var overdue = at >= _baseTicks + options.MaintenanceInterval.Ticks;
        if (overdue != Active)
        {
            Active = overdue;
            var last = LastCheckIn?.ToString("O", CultureInfo.InvariantCulture) ?? "never";
            sink.Changed(this, overdue ? AlertState.Raised : AlertState.Cleared, at, [("last_checkin", last)]);
        }
    }

    public void Restart() => Active = false;

    public void TakeOver(IFaultRule previous)
    {
        if (previous is MaintenanceRule rule)
        {
            Active = rule.Active;
            _baseTicks = rule._baseTicks;
            LastCheckIn = rule.LastCheckIn;
        }
    }
}

/// <summary>inspection_overdue: from the day after <c>InspectionDue</c> (UTC); cleared when the date is moved later.</summary>
internal sealed class InspectionRule(ElevatorOptions options) : IFaultRule
{
    public string Kind => AlertKinds.InspectionOverdue;

    public AlertSeverity Severity => AlertSeverity.Warning;

    public bool Active { get; private set; }

    public long DueTicks => !Active && OverdueFrom is { } from ? from : long.MaxValue;

    private long? OverdueFrom =>
        options.InspectionDue is { } due ? new DateTimeOffset(due.UtcDateTime.Date, TimeSpan.Zero).AddDays(1).UtcTicks : null;

    public void Evaluate(long at, IFaultSink sink)
    {
        var overdue = OverdueFrom is { } from && at >= from;
        if (overdue != Active)
        {
            Active = overdue;
            sink.Changed(this, overdue ? AlertState.Raised : AlertState.Cleared, at,
                [("due", options.InspectionDue?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "none")]);
        }
    }

    public void Restart() => Active = false;

    // A later InspectionDue clears it on the next evaluation.
    public void TakeOver(IFaultRule previous) => Active = previous is InspectionRule { Active: true };
}
