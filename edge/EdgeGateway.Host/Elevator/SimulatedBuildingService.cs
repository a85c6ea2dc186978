using EdgeGateway.Simulation;
using EdgeGateway.Simulation.Physics;
using Microsoft.Extensions.Hosting;

namespace EdgeGateway.Host.Elevator;

/// <summary>
/// Runs the simulated installation in real time for <c>Elevator:Board = simulated</c>: advances
/// the physics and calls the car to random floors now and then, like an ordinary day.
/// </summary>
internal sealed class SimulatedBuildingService(SimulatedElevatorRig rig, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var random = new Random();
        var last = time.GetTimestamp();
        var nextCall = TimeSpan.FromSeconds(5);
        try
        {
            using var timer = new PeriodicTimer(Step, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = time.GetTimestamp();
                rig.Advance(time.GetElapsedTime(last, now));
                last = now;
                if (!rig.Car.Busy && rig.Now >= nextCall)
                {
                    var building = rig.Car.Building;
                    var target = random.Next(building.BottomFloor, building.TopFloor + 1);
                    if (target != rig.Car.NearestFloor)
                    {
                        rig.Car.Enqueue(new Trip(target, random.Next(1, 6), TimeSpan.FromSeconds(3 + random.Next(4))));
                    }

                    nextCall = rig.Now + TimeSpan.FromSeconds(10 + random.Next(40));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
