using System.Device.I2c;
using Iot.Device.Bmxx80;
using Iot.Device.Bmxx80.PowerMode;
using Iot.Device.Imu;

namespace EdgeGateway.Elevator.Hardware;

/// <summary>The two I2C devices the monitor reads; created by the host for the real bus, or by the simulator.</summary>
public sealed record ElevatorI2cDevices(I2cDevice Accelerometer, I2cDevice Barometer);

/// <summary>One reading of the motion sensors.</summary>
/// <param name="VerticalMps2">Specific force along the car's vertical axis (about +9.81 at rest).</param>
/// <param name="PressurePa">Barometric pressure.</param>
public readonly record struct MotionReading(double VerticalMps2, double PressurePa)
{
    /// <summary>Acceleration along the car's horizontal X axis (vibration).</summary>
    public double XMps2 { get; init; }

    /// <summary>Acceleration along the car's horizontal Y axis (vibration).</summary>
    public double YMps2 { get; init; }
}

/// <summary>
/// The accelerometer (MPU-6050) and barometer (BMP280) through the real Iot.Device.Bindings
/// classes, over injected <see cref="I2cDevice"/>s. The accelerometer's Z axis points up.
/// </summary>
public sealed class MotionSensors : IDisposable
{
    private readonly Mpu6050 _accelerometer;
    private readonly Bmp280 _barometer;

    public MotionSensors(ElevatorI2cDevices devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        _accelerometer = new Mpu6050(devices.Accelerometer);
        _barometer = new Bmp280(devices.Barometer);
        _barometer.SetPowerMode(Bmx280PowerMode.Normal);
    }

    public MotionReading Read()
    {
        var acceleration = _accelerometer.GetAccelerometer();
        var pressure = _barometer.TryReadPressure(out var p) ? p.Pascals : double.NaN;
        return new MotionReading(acceleration.Z, pressure) { XMps2 = acceleration.X, YMps2 = acceleration.Y };
    }

    public void Dispose()
    {
        _accelerometer.Dispose();
        _barometer.Dispose();
    }
}
