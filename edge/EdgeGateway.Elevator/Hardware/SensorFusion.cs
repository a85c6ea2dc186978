namespace EdgeGateway.Elevator.Hardware;

/// <summary>What the fusion believes about the car right now.</summary>
public readonly record struct CarMotion(double SpeedMps, double HeightM, int Floor);

/// <summary>
/// Turns accelerometer and barometer readings into speed, height and floor.
/// <list type="bullet">
/// <item>Spikes are rejected by a median of the last three readings of each sensor.</item>
/// <item>Speed integrates the vertical acceleration (gravity learned while the barometer says the car stands still) and is pulled
/// toward the barometric rate of climb, so accelerometer bias cannot run away.</item>
/// <item>Height is barometric height blended with the integrated speed, and is re-zeroed to the
/// floor's known height at each stop in the door zone, so weather drift never accumulates.</item>
/// <item>The floor is the nearest landing to the fused height.</item>
/// </list>
/// </summary>
public sealed class SensorFusion
{
    private const double BaroHeightTauS = 0.4;
    private const double SpeedCorrectionTauS = 1.5;
    private const double BaroSpeedLagS = BaroHeightTauS + 0.15;
    private const double HeightCorrectionTauS = 1.0;
    private const double StillSpeedMps = 0.05;
    private const double StandardGravity = 9.80665;
    private const double MaxPlausibleMps2 = 5.0;
    private const double StillAccelerationMps2 = 0.15;
    private static readonly TimeSpan RezeroAfter = TimeSpan.FromSeconds(0.6);
    private readonly ElevatorOptions _options;
    private readonly Median3 _acceleration = new();
    private readonly Median3 _pressure = new();
    private readonly Queue<(double T, double H)> _baroHistory = new();
    private readonly Queue<(double T, double Speed, double Height)> _history = new();
    private double _gravity = StandardGravity;
    private double _referencePa = double.NaN;
    private double _baroHeight;
    private double _speed;
    private double _height;
    private double _lastT = double.NaN;
    private double _stillSince = double.NaN;
    private int _floor;

    public SensorFusion(ElevatorOptions options, int startFloor)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _floor = startFloor;
        _height = options.HeightOf(startFloor);
    }

    /// <summary>How often the fusion re-zeroed the barometer at a landing.</summary>
    public int Rezeroes { get; private set; }

    /// <summary>Feeds one reading taken at <paramref name="t"/> seconds.</summary>
    public CarMotion Update(double t, MotionReading reading, bool doorZone)
    {
        if (!double.IsFinite(reading.PressurePa) || !double.IsFinite(reading.VerticalMps2))
        {
            return new CarMotion(_speed, _height, _floor);
        }

        var acceleration = _acceleration.Push(reading.VerticalMps2);
        var pressure = _pressure.Push(reading.PressurePa);
        if (double.IsNaN(_lastT))
        {
            _lastT = t;

            // The reference is the pressure at the bottom landing's height, found from where the car starts.
            _referencePa = pressure / Math.Pow(1 - (_height / 44330.0), 5.255);
            _baroHeight = _height;
            return new CarMotion(0, _height, _floor);
        }

        var dt = t - _lastT;
        _lastT = t;
        if (dt <= 0 || dt > 1)
        {
            return new CarMotion(_speed, _height, _floor);
        }

        // Barometric height relative to the last re-zero, low-passed, and its rate of climb over ~0.5 s.
        var rawHeight = BarometricHeight(pressure);
        _baroHeight += (rawHeight - _baroHeight) * Math.Min(1, dt / BaroHeightTauS);
        _baroHistory.Enqueue((t, _baroHeight));
        while (_baroHistory.Count > 2 && t - _baroHistory.Peek().T > 0.5)
        {
            _baroHistory.Dequeue();
        }

        var (oldT, oldH) = _baroHistory.Peek();
        var baroSpeed = t - oldT > 0.1 ? (_baroHeight - oldH) / (t - oldT) : 0;

        // The barometric values lag (low-pass, then a rate over a window): compare them with the
        // fused values from as long ago, so the correction removes bias without adding lag.
        var (delayedSpeed, delayedHeight) = Delayed(t);
        // An elevator never pulls half a g: a reading that far off is a sensor fault (asleep, unplugged), not motion.
        var linear = Math.Abs(acceleration - StandardGravity) < MaxPlausibleMps2 ? acceleration - _gravity : 0;
        _speed += linear * dt;
        _speed += (baroSpeed - delayedSpeed) * Math.Min(1, dt / SpeedCorrectionTauS);
        _height += _speed * dt;
        _height += (_baroHeight - delayedHeight) * Math.Min(1, dt / HeightCorrectionTauS);
        _history.Enqueue((t, _speed, _height));
        while (_history.Count > 2 && t - _history.Peek().T > 1.0)
        {
            _history.Dequeue();
        }

        // The barometer says the car stands still: learn gravity (mounting tilt, sensor offset), ignoring shocks.
        if (Math.Abs(baroSpeed) < 0.1 && Math.Abs(_speed) < 0.2 && Math.Abs(acceleration - _gravity) < 0.3)
        {
            _gravity += (acceleration - _gravity) * Math.Min(1, dt / 5.0);
        }

        // No thrust and little speed left: the car has stopped; bleed off what the slow barometer still claims.
        if (Math.Abs(linear) < StillAccelerationMps2 && Math.Abs(_speed) < 0.2)
        {
            _speed *= Math.Max(0, 1 - dt / 0.15);
        }

        var parked = Math.Abs(linear) < StillAccelerationMps2 && Math.Abs(baroSpeed) < 0.15 && Math.Abs(_speed) < StillSpeedMps;
        if (parked)
        {
            if (double.IsNaN(_stillSince))
            {
                _stillSince = t;
            }

            // Parked: at a landing, re-zero the barometer.
            if (doorZone && t - _stillSince >= RezeroAfter.TotalSeconds)
            {
                Rezero();
            }
        }
        else
        {
            _stillSince = double.NaN;
        }

        _floor = NearestFloor(_height);
        var reported = Math.Abs(_speed) < StillSpeedMps ? 0 : _speed;
        return new CarMotion(reported, _height, _floor);
    }

    /// <summary>The fused speed from one barometric speed lag ago, and the fused height from one height lag ago.</summary>
    private (double Speed, double Height) Delayed(double t)
    {
        double speed = _speed, height = _height;
        var speedFound = false;
        var heightFound = false;
        foreach (var (at, v, h) in _history)
        {
            if (!speedFound && at >= t - BaroSpeedLagS)
            {
                speed = v;
                speedFound = true;
            }

            if (!heightFound && at >= t - BaroHeightTauS)
            {
                height = h;
                heightFound = true;
            }
        }

        return (speed, height);
    }

    private void Rezero()
    {
        var floor = NearestFloor(_height);
        var level = _options.HeightOf(floor);
        if (Math.Abs(_baroHeight - level) < 0.01 && Math.Abs(_height - level) < 0.01)
        {
            return;
        }

        // Move the reference so the barometer reads this landing's height here.
        var filteredPa = _referencePa * Math.Pow(1 - (_baroHeight / 44330.0), 5.255);
        _referencePa = filteredPa / Math.Pow(1 - (level / 44330.0), 5.255);
        _baroHeight = level;
        _height = level;
        _baroHistory.Clear();
        _history.Clear();
        Rezeroes++;
    }

    private double BarometricHeight(double pressurePa) => 44330.0 * (1 - Math.Pow(pressurePa / _referencePa, 1 / 5.255));

    private int NearestFloor(double height)
    {
        var best = _options.BottomFloor;
        var bestDistance = double.MaxValue;
        for (var floor = _options.BottomFloor; floor <= _options.TopFloor; floor++)
        {
            var distance = Math.Abs(_options.HeightOf(floor) - height);
            if (distance < bestDistance)
            {
                best = floor;
                bestDistance = distance;
            }
        }

        // Far beyond a terminal landing (more than a storey): report the floor past it.
        if (height > _options.HeightOf(_options.TopFloor) + _options.FloorHeightM)
        {
            return _options.TopFloor + 1;
        }

        return height < _options.HeightOf(_options.BottomFloor) - _options.FloorHeightM ? _options.BottomFloor - 1 : best;
    }

    /// <summary>Median of the last three values: one wild reading never gets through.</summary>
    private sealed class Median3
    {
        private double _a = double.NaN;
        private double _b = double.NaN;

        public double Push(double value)
        {
            var (a, b) = (_a, _b);
            _a = b;
            _b = value;
            if (double.IsNaN(a))
            {
                return value;
            }

            return Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), value));
        }
    }
}
