using EdgeGateway.Core.Elevator;

namespace EdgeGateway.Elevator.Machine;

/// <summary>
/// Counts what the car does, from the same signal edges as the machine: a run when it starts moving,
/// a door cycle when the door contact opens, a stop at a floor when it stops in a door zone; running
/// time, travel (|speed| integrated over time) and the highest speed from every reading.
/// </summary>
internal sealed class RunStatistics
{
    private readonly Dictionary<int, long> _stops;
    private long _runs;
    private long _doorCycles;
    private double _runningSeconds;
    private double _travelM;
    private double _maxSpeedMps;
    private long _last = long.MinValue;

    public RunStatistics(ElevatorStatistics? from)
    {
        _stops = from is null ? [] : new Dictionary<int, long>(from.StopsPerFloor);
        (_runs, _doorCycles, _runningSeconds, _travelM, _maxSpeedMps) =
            from is null ? (0, 0, 0, 0, 0) : (from.Runs, from.DoorCycles, from.RunningSeconds, from.TravelM, from.MaxSpeedMps);
    }

    /// <summary>Time passes to <paramref name="now"/> with the held speed; call before the new reading applies.</summary>
    public void Advance(long now, bool moving, double speedMps)
    {
        if (moving && _last != long.MinValue && now > _last)
        {
            var seconds = (double)(now - _last) / TimeSpan.TicksPerSecond;
            _runningSeconds += seconds;
            _travelM += Math.Abs(speedMps) * seconds;
        }

        _last = now;
    }

    public void Reading(double speedMps) => _maxSpeedMps = Math.Max(_maxSpeedMps, Math.Abs(speedMps));

    public void RunStarted() => _runs++;

    public void DoorOpened() => _doorCycles++;

    public void StoppedAt(int floor) => _stops[floor] = _stops.GetValueOrDefault(floor) + 1;

    public ElevatorStatistics Snapshot(DateTimeOffset at) =>
        new(at, _runs, _doorCycles, _runningSeconds, _travelM, _maxSpeedMps, new Dictionary<int, long>(_stops));
}
