using System.Globalization;

namespace EdgeGateway.Elevator.Machine;

/// <summary>
/// overspeed: the speed is sampled every <c>OverspeedSampleInterval</c> on a fixed grid; raised when
/// <c>OverspeedSamples</c> samples within <c>OverspeedWindow</c> were above rated × <c>OverspeedFactor</c>,
/// cleared when no such sample is left in the window. Idle, the grid is skipped, not walked.
/// </summary>
internal sealed class OverspeedRule(CarSignals signals, ElevatorOptions options, long startTicks) : IFaultRule
{
    private readonly Queue<long> _samples = new();
    private readonly long _sampleTicks = options.OverspeedSampleInterval.Ticks;
    private readonly long _windowTicks = options.OverspeedWindow.Ticks;
    private readonly double _limit = options.RatedSpeedMps * options.OverspeedFactor;
    private long _nextSample = startTicks;
    private bool _wasArmed;

    public string Kind => AlertKinds.Overspeed;

    public AlertSeverity Severity => AlertSeverity.Critical;

    public bool Active { get; private set; }

    public long DueTicks => Armed ? _nextSample : long.MaxValue;

    private bool Armed => Active || _samples.Count > 0 || OverLimit;

    private bool OverLimit => Math.Abs(signals.SpeedMps) > _limit;

    public void Evaluate(long at, IFaultSink sink)
    {
        if (!_wasArmed && _nextSample <= at)
        {
            // Nothing was counted since the last look: the first sample is the next grid point after now.
            _nextSample += ((at - _nextSample) / _sampleTicks + 1) * _sampleTicks;
        }

        while (_nextSample <= at && Armed)
        {
            var sampleAt = _nextSample;
            _nextSample += _sampleTicks;
            if (OverLimit)
            {
                _samples.Enqueue(sampleAt);
            }

            while (_samples.Count > 0 && _samples.Peek() <= sampleAt - _windowTicks)
            {
                _samples.Dequeue();
            }

            if (!Active && _samples.Count >= options.OverspeedSamples)
            {
                Active = true;
                sink.Changed(this, AlertState.Raised, sampleAt, [("speed_mps", signals.SpeedMps.ToString("0.00", CultureInfo.InvariantCulture))]);
            }
            else if (Active && _samples.Count == 0)
            {
                Active = false;
                sink.Changed(this, AlertState.Cleared, sampleAt);
            }
        }

        _wasArmed = Armed;
    }

    public void TakeOver(IFaultRule previous)
    {
        if (previous is OverspeedRule rule)
        {
            Active = rule.Active;
            foreach (var sample in rule._samples)
            {
                _samples.Enqueue(sample);
            }

            _nextSample = rule._nextSample;
            _wasArmed = rule._wasArmed;
        }
    }

    public void Restart()
    {
        Active = false;
        _samples.Clear();
        _wasArmed = false;
    }
}
