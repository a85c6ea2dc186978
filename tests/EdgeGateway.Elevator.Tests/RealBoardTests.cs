using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Device.I2c;
using EdgeGateway.Elevator.Hardware;
using EdgeGateway.Testing;

namespace EdgeGateway.Elevator.Tests;

/// <summary>Runs only on a Raspberry Pi wired per hardware/profiles/rpi4-wiring.md, car parked level with doors closed.</summary>
[Trait("Category", "Hardware")]
public sealed class RealBoardTests
{
    [Fact(Skip = "needs a Raspberry Pi 4 wired per hardware/profiles/rpi4-wiring.md")]
    public void Parked_car_reads_closed_doors_level_and_one_g()
    {
        var profile = BoardProfileLoader.Load(Path.Combine(RepoPaths.Root, "hardware", "profiles", "rpi4.json"));
        using var gpio = new GpioController(new LibGpiodDriver(profile.GpioChip));
        var inputs = new ElevatorInputs(gpio, profile, TimeProvider.System);
        using var sensors = new MotionSensors(new ElevatorI2cDevices(
            I2cDevice.Create(new I2cConnectionSettings(profile.I2cBus, profile.Accelerometer.Address)),
            I2cDevice.Create(new I2cConnectionSettings(profile.I2cBus, profile.Barometer.Address))));

        var reading = inputs.Read();
        var motion = sensors.Read();

        Assert.True(reading.DoorClosed);
        Assert.True(reading.DoorZone);
        Assert.True(reading.MainsPower);
        Assert.InRange(motion.VerticalMps2, 9.3, 10.3);
        Assert.InRange(motion.PressurePa, 85_000, 106_000);
    }
}
