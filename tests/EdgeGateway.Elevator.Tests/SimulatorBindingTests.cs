using System.Device.Gpio;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Elevator.Hardware;
using EdgeGateway.Elevator.Machine;
using EdgeGateway.Simulation;
using EdgeGateway.Simulation.Chips;
using EdgeGateway.Simulation.Physics;
using Iot.Device.Bmxx80;
using Iot.Device.Bmxx80.PowerMode;
using Iot.Device.Imu;

namespace EdgeGateway.Elevator.Tests;

/// <summary>The real Iot.Device.Bindings classes and GpioController read the simulated hardware.</summary>
[Trait("Category", "Integration")]
public sealed class SimulatorBindingTests
{
    [Theory]
    [InlineData(101_325.0, 22.0)]
    [InlineData(95_000.0, 35.5)]
    [InlineData(100_000.0, -5.0)]
    public void Bmp280_binding_reads_the_simulated_pressure_and_temperature(double pascals, double celsius)
    {
        var chip = new SimulatedBmp280();
        using var bmp = new Bmp280(chip);
        bmp.SetPowerMode(Bmx280PowerMode.Normal);
        chip.SetEnvironment(pascals, celsius);

        Assert.True(bmp.TryReadPressure(out var pressure));
        Assert.True(bmp.TryReadTemperature(out var temperature));
        Assert.InRange(pressure.Pascals, pascals - 0.5, pascals + 0.5);
        Assert.InRange(temperature.DegreesCelsius, celsius - 0.01, celsius + 0.01);
    }

    [Fact]
    public void Bmp280_in_sleep_mode_keeps_its_last_conversion_like_the_chip()
    {
        var chip = new SimulatedBmp280();
        using var bmp = new Bmp280(chip);
        bmp.SetPowerMode(Bmx280PowerMode.Normal);
        chip.SetEnvironment(100_000, 20);
        bmp.SetPowerMode(Bmx280PowerMode.Sleep);
        chip.SetEnvironment(90_000, 20);

        Assert.True(bmp.TryReadPressure(out var pressure));
        Assert.InRange(pressure.Pascals, 99_999, 100_001);
    }

    [Fact]
    public void Wrong_chip_id_is_refused_by_the_binding()
    {
        // An MPU-6050 answering where a BMP280 is expected.
        Assert.ThrowsAny<IOException>(() => new Bmp280(new SimulatedMpu6050()));
    }

    [Fact]
    public void Mpu6050_binding_reads_gravity_and_car_acceleration()
    {
        var chip = new SimulatedMpu6050();
        using var mpu = new Mpu6050(chip);
        chip.SetAcceleration(new System.Numerics.Vector3(0.1f, -0.2f, 9.807f + 0.8f));

        var a = mpu.GetAccelerometer();
        Assert.InRange(a.Z, 10.6, 10.61);
        Assert.InRange(a.X, 0.09, 0.11);
        Assert.InRange(a.Y, -0.21, -0.19);
        Assert.True(chip.Transactions > 10);
    }

    [Fact]
    public void Gpio_controller_on_the_simulated_driver_sees_active_low_contacts_and_drives_outputs()
    {
        using var box = new SimulatedBox(noise: SimulationNoise.None);
        var doorPin = box.Profile.Inputs[ElevatorSignals.DoorClosed].Pin;

        // Door closed and active low: the pin reads low.
        Assert.Equal(PinValue.Low, box.Gpio.Read(doorPin));
        Assert.Equal(PinMode.InputPullUp, box.Gpio.GetPinMode(doorPin));
        Assert.True(box.Inputs.Read().DoorClosed);

        box.Outputs.SetDoorHold(true);
        Assert.Equal(PinValue.High, box.Rig.Gpio.OutputLevel(box.Profile.Outputs[ElevatorSignals.DoorHoldRelay].Pin));
    }

    [Fact]
    public void Fusion_follows_a_trip_floor_by_floor_through_the_bindings()
    {
        using var box = new SimulatedBox(new BuildingModel { Floors = 8 }, SimulationNoise.Field, seed: 5);
        box.Rig.Car.Enqueue(new Trip(6, 2, TimeSpan.FromSeconds(3)));
        var floors = new List<int> { box.Machine.Floor };
        var settled = TimeSpan.Zero;
        var limit = box.Rig.Now + TimeSpan.FromMinutes(2);
        while (settled < TimeSpan.FromSeconds(2) && box.Rig.Now < limit)
        {
            box.Step();
            settled = box.Rig.Car.Busy ? TimeSpan.Zero : settled + box.SampleInterval;
            if (box.Machine.Floor != floors[^1])
            {
                floors.Add(box.Machine.Floor);
            }
        }

        // Up from the bottom to board at 2, then on to 6: every floor passed once, in order, none skipped.
        Assert.Equal([1, 2, 3, 4, 5, 6], floors);
        Assert.Equal(6, box.Machine.Floor);
        Assert.InRange(box.MaxSpeedSeen, 1.3, 1.65);
        Assert.True(box.Fusion.Rezeroes >= 1);
        Assert.Empty(box.Changes);
    }
}
