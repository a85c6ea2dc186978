using System.Device.I2c;
using System.Numerics;

namespace EdgeGateway.Simulation.Chips;

/// <summary>
/// An InvenSense MPU-6050 on I2C, close enough for the real Iot.Device.Imu.Mpu6050 binding:
/// WHO_AM_I 0x68 at 0x75, PWR_MGMT_1 at 0x6B (reset bit 7 restores defaults, sleep bit 6 stops
/// conversions), ACCEL_CONFIG full-scale bits at 0x1C, and big-endian 16-bit accelerometer,
/// temperature and gyroscope outputs at 0x3B..0x48.
/// </summary>
public sealed class SimulatedMpu6050 : RegisterFileI2cDevice
{
    public const byte WhoAmI = 0x68;
    private const byte RegAccelConfig = 0x1C;
    private const byte RegAccelOut = 0x3B;
    private const byte RegTempOut = 0x41;
    private const byte RegPowerManagement1 = 0x6B;
    private const byte RegWhoAmI = 0x75;
    private const double StandardGravity = 9.807;

    public SimulatedMpu6050(int busId = 1, int address = 0x68)
        : base(new I2cConnectionSettings(busId, address))
    {
        PowerOnReset();
    }

    /// <summary>Sets the specific force the chip feels, in m/s² (at rest: +9.807 on the up axis), and die temperature.</summary>
    public void SetAcceleration(Vector3 metresPerSecondSquared, double temperatureC = 30)
    {
        lock (Gate)
        {
            if ((Get(RegPowerManagement1) & 0x40) != 0)
            {
                return;
            }

            var range = 2 << ((Get(RegAccelConfig) >> 3) & 0b11);
            var lsbPerMs2 = 32768.0 / (range * StandardGravity);
            WriteInt16(RegAccelOut, metresPerSecondSquared.X * lsbPerMs2);
            WriteInt16(RegAccelOut + 2, metresPerSecondSquared.Y * lsbPerMs2);
            WriteInt16(RegAccelOut + 4, metresPerSecondSquared.Z * lsbPerMs2);
            WriteInt16(RegTempOut, ((temperatureC - 21) * 333.87) + 21);
        }
    }

    protected override byte OnRead(byte address) => address == RegWhoAmI ? WhoAmI : base.OnRead(address);

    protected override void OnWrite(byte address, byte value)
    {
        if (address == RegPowerManagement1 && (value & 0x80) != 0)
        {
            PowerOnReset();
            return;
        }

        if (address is >= RegAccelOut and <= 0x48 or RegWhoAmI)
        {
            return;
        }

        base.OnWrite(address, value);
    }

    private void PowerOnReset()
    {
        Clear();
        Set(RegPowerManagement1, 0x40);
    }

    private void WriteInt16(int register, double value)
    {
        var raw = (short)Math.Clamp(Math.Round(value), short.MinValue, short.MaxValue);
        Set((byte)register, (byte)(raw >> 8));
        Set((byte)(register + 1), (byte)raw);
    }
}
