using System.Diagnostics;
using EdgeGateway.Elevator.Machine;
using EdgeGateway.Elevator.Replay;

namespace EdgeGateway.Elevator.Bench;

/// <summary>Result of <see cref="ElevatorBench.Run"/>.</summary>
public sealed record ElevatorBenchResult(long Events, int Trips, double Seconds, double EventsPerSecond, int Alerts);

/// <summary>
/// Pushes sensor events of normal trips (50 Hz readings: doors, door zone, speed ramps, floor
/// changes, passengers) through the real fault machine in virtual time and measures events/s.
/// </summary>
public static class ElevatorBench
{
    public static ElevatorBenchResult Run(int trips = 2_000, ElevatorOptions? options = null)
    {
        options ??= new ElevatorOptions();
        var events = NormalTrips(options, trips, seed: 7);
        var clock = new VirtualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var machine = new ElevatorFaultMachine(options, clock);
        var alerts = 0;

        // Warm up the JIT on a copy so the measured run is steady state.
        var warmClock = new VirtualClock(clock.Start);
        var warm = new ElevatorFaultMachine(options, warmClock);
        for (var i = 0; i < Math.Min(events.Length, 50_000); i++)
        {
            warmClock.SetTo(clock.Start + events[i].At);
            warm.Apply(events[i].Signals);
        }

        var stopwatch = Stopwatch.StartNew();
        foreach (var (at, signals) in events)
        {
            clock.SetTo(clock.Start + at);
            machine.Apply(signals);
            while (machine.TryTakeChange(out _))
            {
                alerts++;
            }
        }

        stopwatch.Stop();
        var seconds = stopwatch.Elapsed.TotalSeconds;
        return new ElevatorBenchResult(events.Length, trips, seconds, events.Length / seconds, alerts);
    }

    /// <summary>
    /// A day of ordinary trips sampled at 50 Hz: doors open, passengers step in, doors close,
    /// the car accelerates to rated speed, passes floors, levels and opens again.
    /// </summary>
    public static (TimeSpan At, SignalUpdate Signals)[] NormalTrips(ElevatorOptions options, int trips, int seed)
    {
        ArgumentNullException.ThrowIfNull(options);
        var random = new Random(seed);
        var list = new List<(TimeSpan, SignalUpdate)>(trips * 800);
        var dt = TimeSpan.FromMilliseconds(20);
        var t = TimeSpan.FromSeconds(1);
        var floor = options.BottomFloor;
        const double acceleration = 0.8;
        const double zoneHalfM = 0.075;
        for (var trip = 0; trip < trips; trip++)
        {
            // Door open, passengers in or out, door closed.
            list.Add((t, new SignalUpdate { DoorClosed = false, Presence = true }));
            t += TimeSpan.FromSeconds(3 + random.NextDouble() * 4);
            list.Add((t, new SignalUpdate { DoorClosed = true }));
            t += TimeSpan.FromSeconds(0.5 + random.NextDouble());

            var target = floor;
            while (target == floor)
            {
                target = random.Next(options.BottomFloor, options.TopFloor + 1);
            }

            var from = options.HeightOf(floor);
            var to = options.HeightOf(target);
            var sign = Math.Sign(to - from);
            var distance = Math.Abs(to - from);
            var position = 0.0;
            var speed = 0.0;
            var zone = true;
            var shownFloor = floor;
            while (position < distance - 0.001)
            {
                var brake = speed * speed / (2 * acceleration);
                speed = distance - position <= brake
                    ? Math.Max(0.05, speed - acceleration * dt.TotalSeconds)
                    : Math.Min(options.RatedSpeedMps, speed + acceleration * dt.TotalSeconds);
                position = Math.Min(distance, position + speed * dt.TotalSeconds);
                t += dt;
                var height = from + sign * position;
                var nearest = NearestFloor(options, height);
                var inZone = Math.Abs(options.HeightOf(nearest) - height) <= zoneHalfM;
                var update = new SignalUpdate { SpeedMps = sign * (position >= distance - 0.001 ? 0 : speed) };
                if (inZone != zone)
                {
                    zone = inZone;
                    update.DoorZone = inZone;
                }

                if (inZone && nearest != shownFloor)
                {
                    shownFloor = nearest;
                    update.Floor = nearest;
                }

                list.Add((t, update));
            }

            list.Add((t + dt, new SignalUpdate { SpeedMps = 0, DoorZone = true, Floor = target }));
            t += TimeSpan.FromSeconds(0.5);
            floor = target;
            if (random.NextDouble() < 0.3)
            {
                list.Add((t, new SignalUpdate { Presence = false }));
            }
        }

        return [.. list];
    }

    private static int NearestFloor(ElevatorOptions options, double height)
    {
        var best = options.BottomFloor;
        for (var floor = options.BottomFloor; floor <= options.TopFloor; floor++)
        {
            if (Math.Abs(options.HeightOf(floor) - height) < Math.Abs(options.HeightOf(best) - height))
            {
                best = floor;
            }
        }

        return best;
    }
}
