using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Device.I2c;
using EdgeGateway.Elevator;
using EdgeGateway.Elevator.Hardware;
using EdgeGateway.Simulation;
using EdgeGateway.Simulation.Physics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Elevator;

/// <summary>
/// The one place that creates elevator hardware: the real board's GPIO driver and I2C devices
/// (<c>Elevator:Board</c> = <c>rpi4</c> or <c>rpi5</c>), or the simulated installation
/// (<c>simulated</c>). Everything else gets them through DI.
/// </summary>
internal static class ElevatorBoardWiring
{
    public static IServiceCollection AddElevatorBoard(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var board = configuration[$"{ElevatorOptions.SectionName}:{nameof(ElevatorOptions.Board)}"] ?? ElevatorOptions.SimulatedBoard;
        if (board == ElevatorOptions.SimulatedBoard)
        {
            services.AddSingleton(sp =>
            {
                var options = sp.GetRequiredService<IOptions<ElevatorOptions>>().Value;
                var profile = sp.GetRequiredService<BoardProfile>();
                var building = new BuildingModel
                {
                    BottomFloor = options.BottomFloor,
                    Floors = options.Floors,
                    StoreyHeightM = options.FloorHeightM,
                    RatedSpeedMps = options.RatedSpeedMps,
                };
                var pins = profile.Inputs.Select(kv => KeyValuePair.Create(kv.Key, new SimulatedPin(kv.Value.Pin, kv.Value.ActiveLow)))
                    .Concat(profile.Outputs.Select(kv => KeyValuePair.Create(kv.Key, new SimulatedPin(kv.Value.Pin, kv.Value.ActiveLow))))
                    .ToDictionary();
                return new SimulatedElevatorRig(building, pins, SimulationNoise.Field, seed: Environment.TickCount);
            });
            services.AddSingleton<GpioDriver>(sp => sp.GetRequiredService<SimulatedElevatorRig>().Gpio);
            services.AddSingleton(sp =>
            {
                var rig = sp.GetRequiredService<SimulatedElevatorRig>();
                return new ElevatorI2cDevices(rig.Accelerometer, rig.Barometer);
            });
            services.AddHostedService<SimulatedBuildingService>();
            return services;
        }

        services.AddSingleton<GpioDriver>(sp => new LibGpiodDriver(sp.GetRequiredService<BoardProfile>().GpioChip));
        services.AddSingleton(sp =>
        {
            var profile = sp.GetRequiredService<BoardProfile>();
            return new ElevatorI2cDevices(
                I2cDevice.Create(new I2cConnectionSettings(profile.I2cBus, profile.Accelerometer.Address)),
                I2cDevice.Create(new I2cConnectionSettings(profile.I2cBus, profile.Barometer.Address)));
        });
        return services;
    }
}
