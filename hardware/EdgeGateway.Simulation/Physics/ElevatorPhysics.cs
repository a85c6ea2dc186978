namespace EdgeGateway.Simulation.Physics;

/// <summary>One trip: doors open at the current floor, people board, the car runs, people leave.</summary>
/// <param name="Target">The floor to go to.</param>
/// <param name="Boarding">People in the car during the run.</param>
/// <param name="Dwell">How long the doors stay open at each end.</param>
/// <param name="Remaining">People still in the car after arrival.</param>
public sealed record Trip(int Target, int Boarding, TimeSpan Dwell, int Remaining = 0);

/// <summary>
/// An elevator car in its hoistway: a trapezoidal motion profile with rated speed and
/// acceleration, doors that take time to travel, passengers, and injectable faults. It knows
/// nothing about sensors; <see cref="SimulatedElevatorRig"/> turns its state into chip readings.
/// </summary>
public sealed class ElevatorPhysics(BuildingModel building)
{
    private const double EmergencyDecelerationMps2 = 1.2;
    private const double CreepSpeedMps = 0.3;
    private static readonly TimeSpan CallPress = TimeSpan.FromMilliseconds(300);
    private readonly Queue<Trip> _trips = new();
    private Phase _phase = Phase.Idle;
    private TimeSpan _phaseTime;
    private Trip? _trip;
    private int _target;
    private double _runSpeed;
    private bool _overrunning;
    private double _overrunStop;

    private enum Phase
    {
        Idle,
        Opening,
        Boarding,
        Closing,
        Running,
        Arriving,
        Alighting,
        ClosingAfter,
        EmergencyStop,
        Stuck,
        Rescue,
    }

    public BuildingModel Building { get; } = building;

    public double PositionM { get; private set; }

    public double VelocityMps { get; private set; }

    public double AccelerationMps2 { get; private set; }

    /// <summary>0 = fully closed, 1 = fully open.</summary>
    public double DoorPosition { get; private set; }

    public int Passengers { get; private set; }

    public bool MainsPower { get; private set; } = true;

    public bool SafetyCircuitClosed { get; private set; } = true;

    public bool AlarmPressed { get; private set; }

    /// <summary>Set by the door-hold relay: the doors do not close while it is energised.</summary>
    public bool DoorHold { get; set; }

    public int TripsCompleted { get; private set; }

    /// <summary>The inspection switch (a technician drives the car by hand; the simulation leaves driving to the test).</summary>
    public bool InspectionSwitch { get; set; }

    /// <summary>Fire service key switch.</summary>
    public bool FireService { get; set; }

    /// <summary>A call contact stuck closed (a jammed landing button).</summary>
    public bool CallButtonStuck { get; set; }

    /// <summary>Any call contact made: someone pressing a button as a trip is called, or a stuck one.</summary>
    public bool CallButtonPressed => CallButtonStuck || (_phase == Phase.Opening && _phaseTime < CallPress);

    /// <summary>The controller commands the doors open.</summary>
    public bool DoorOpenCommand => _phase is Phase.Opening or Phase.Arriving;

    /// <summary>The controller commands the doors closed.</summary>
    public bool DoorCloseCommand => _phase is Phase.Closing or Phase.ClosingAfter;

    /// <summary>The door operator is jammed: commanded doors do not move.</summary>
    public bool DoorJammed { get; set; }

    /// <summary>A landing-door lock contact fails open although the doors are shut.</summary>
    public bool LockCircuitFault { get; set; }

    /// <summary>Horizontal vibration RMS while the car moves (worn guide shoes), m/s².</summary>
    public double VibrationMps2 { get; set; }

    public bool Busy => _phase != Phase.Idle || _trips.Count > 0;

    public bool Stuck => _phase == Phase.Stuck;

    public int NearestFloor =>
        Math.Clamp(Building.BottomFloor + (int)Math.Round(PositionM / Building.StoreyHeightM), Building.BottomFloor, Building.TopFloor);

    public bool InDoorZone => Math.Abs(PositionM - Building.HeightOf(NearestFloor)) <= Building.DoorZoneHalfM;

    public bool DoorClosed => DoorPosition <= 0;

    // Injected faults, each consumed by the next run.
    public bool StopBetweenFloorsNextRun { get; set; }

    public bool OpenDoorWhileMovingNextRun { get; set; }

    public bool OverrunTerminalNextRun { get; set; }

    public double OverspeedFactorNextRun { get; set; } = 1.0;

    public void Enqueue(Trip trip) => _trips.Enqueue(trip);

    /// <summary>Parks the car level at a floor, doors closed, empty.</summary>
    public void PlaceAt(int floor)
    {
        PositionM = Building.HeightOf(floor);
        VelocityMps = 0;
        _phase = Phase.Idle;
    }

    public void OpenSafetyCircuit()
    {
        SafetyCircuitClosed = false;
        EmergencyStop();
    }

    public void CloseSafetyCircuit() => SafetyCircuitClosed = true;

    public void CutPower()
    {
        MainsPower = false;
        EmergencyStop();
    }

    public void RestorePower() => MainsPower = true;

    public void PressAlarm(bool pressed) => AlarmPressed = pressed;

    /// <summary>A technician brings a stuck car to the nearest floor at creep speed and opens the doors.</summary>
    public void Rescue()
    {
        _phase = Phase.Rescue;
        _target = NearestFloor;
        _phaseTime = TimeSpan.Zero;
    }

    public void Step(TimeSpan dt)
    {
        var seconds = dt.TotalSeconds;
        _phaseTime += dt;
        var before = VelocityMps;
        switch (_phase)
        {
            case Phase.Idle:
                if (_trips.TryDequeue(out var next))
                {
                    _trip = next;
                    Enter(DoorClosed ? Phase.Opening : Phase.Boarding);
                }

                break;
            case Phase.Opening:
                if (MoveDoor(+1, seconds))
                {
                    Passengers = _trip!.Boarding;
                    Enter(Phase.Boarding);
                }

                break;
            case Phase.Boarding:
                Passengers = _trip!.Boarding;
                if (_phaseTime >= _trip.Dwell && !DoorHold)
                {
                    Enter(Phase.Closing);
                }

                break;
            case Phase.Closing:
                if (DoorHold)
                {
                    Enter(Phase.Opening);
                }
                else if (MoveDoor(-1, seconds))
                {
                    StartRun();
                }

                break;
            case Phase.Running:
                Run(seconds);
                break;
            case Phase.Arriving:
                if (MoveDoor(+1, seconds))
                {
                    Enter(Phase.Alighting);
                }

                break;
            case Phase.Alighting:
                if (_phaseTime >= _trip!.Dwell / 2)
                {
                    Passengers = _trip.Remaining;
                }

                if (_phaseTime >= _trip.Dwell && !DoorHold)
                {
                    Enter(Phase.ClosingAfter);
                }

                break;
            case Phase.ClosingAfter:
                if (DoorHold)
                {
                    Enter(Phase.Alighting);
                }
                else if (MoveDoor(-1, seconds))
                {
                    TripsCompleted++;
                    Enter(Phase.Idle);
                }

                break;
            case Phase.EmergencyStop:
                Brake(seconds);
                if (VelocityMps == 0)
                {
                    Enter(Phase.Stuck);
                }

                break;
            case Phase.Stuck:
                if (MainsPower && SafetyCircuitClosed && !_overrunning && _trip is not null && _phaseTime > TimeSpan.FromSeconds(3) && !StopBetweenFloorsHeld)
                {
                    // Power or safety circuit back: resume the run.
                    Enter(Phase.Running);
                }

                break;
            case Phase.Rescue:
                Creep(seconds);
                break;
            default:
                break;
        }

        if (_phase != Phase.Running && _phase != Phase.EmergencyStop && _phase != Phase.Rescue)
        {
            VelocityMps = 0;
        }

        AccelerationMps2 = (VelocityMps - before) / seconds;
    }

    private bool StopBetweenFloorsHeld { get; set; }

    private void Enter(Phase phase)
    {
        _phase = phase;
        _phaseTime = TimeSpan.Zero;
    }

    private bool MoveDoor(int direction, double seconds)
    {
        if (DoorJammed)
        {
            return false;
        }

        DoorPosition = Math.Clamp(DoorPosition + direction * seconds / Building.DoorTravel.TotalSeconds, 0, 1);
        return direction > 0 ? DoorPosition >= 1 : DoorPosition <= 0;
    }

    private void StartRun()
    {
        _target = _trip!.Target;
        _runSpeed = Building.RatedSpeedMps * OverspeedFactorNextRun;
        OverspeedFactorNextRun = 1.0;
        _overrunning = OverrunTerminalNextRun && (_target == Building.TopFloor || _target == Building.BottomFloor);
        OverrunTerminalNextRun = false;
        StopBetweenFloorsHeld = StopBetweenFloorsNextRun;
        StopBetweenFloorsNextRun = false;
        Enter(Phase.Running);
    }

    private void Run(double seconds)
    {
        var goal = Building.HeightOf(_target);
        if (_overrunning)
        {
            // The brake fails to hold at the terminal: creep on past the landing into the buffer.
            var beyond = _target == Building.TopFloor ? 1 : -1;
            goal += beyond * 0.6;
        }

        var remaining = goal - PositionM;
        var direction = Math.Sign(remaining);
        var speed = Math.Abs(VelocityMps);
        var brakingDistance = speed * speed / (2 * Building.AccelerationMps2);
        if (Math.Abs(remaining) <= brakingDistance + speed * seconds)
        {
            speed = Math.Max(0.02, speed - Building.AccelerationMps2 * seconds);
        }
        else
        {
            var limit = _overrunning && Math.Abs(PositionM - Building.HeightOf(_target)) < Building.StoreyHeightM ? Math.Max(CreepSpeedMps + 0.1, speed - Building.AccelerationMps2 * seconds) : _runSpeed;
            speed = Math.Min(limit, speed + Building.AccelerationMps2 * seconds);
        }

        var step = speed * seconds;
        if (step >= Math.Abs(remaining))
        {
            PositionM = goal;
            VelocityMps = 0;
            if (_overrunning)
            {
                _overrunStop = goal;
                Enter(Phase.Stuck);
                return;
            }

            Enter(Phase.Arriving);
            return;
        }

        PositionM += direction * step;
        VelocityMps = direction * speed;

        if (OpenDoorWhileMovingNextRun && _phaseTime > TimeSpan.FromSeconds(1.5))
        {
            MoveDoor(+1, seconds);
            if (DoorPosition >= 0.3)
            {
                OpenDoorWhileMovingNextRun = false;
            }
        }

        if (StopBetweenFloorsHeld)
        {
            var offset = PositionM - Building.HeightOf(NearestFloor);
            if (Math.Abs(offset) > Building.StoreyHeightM * 0.4)
            {
                EmergencyStop();
            }
        }
    }

    private void Brake(double seconds)
    {
        var speed = Math.Max(0, Math.Abs(VelocityMps) - EmergencyDecelerationMps2 * seconds);
        PositionM += Math.Sign(VelocityMps) * speed * seconds;
        VelocityMps = Math.Sign(VelocityMps) * speed;
    }

    private void EmergencyStop()
    {
        if (_phase is Phase.Running)
        {
            Enter(Phase.EmergencyStop);
        }
    }

    private void Creep(double seconds)
    {
        var goal = Building.HeightOf(_target);
        var remaining = goal - PositionM;
        var step = CreepSpeedMps * seconds;
        if (Math.Abs(remaining) <= step)
        {
            PositionM = goal;
            VelocityMps = 0;
            StopBetweenFloorsHeld = false;
            _overrunning = false;
            _trip = _trip is null ? null : _trip with { Target = _target };
            Enter(Phase.Arriving);
            return;
        }

        PositionM += Math.Sign(remaining) * step;
        VelocityMps = Math.Sign(remaining) * CreepSpeedMps;
        _ = _overrunStop;
    }
}
