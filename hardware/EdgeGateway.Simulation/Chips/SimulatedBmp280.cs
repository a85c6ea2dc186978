using System.Device.I2c;

namespace EdgeGateway.Simulation.Chips;

/// <summary>
/// A Bosch BMP280 barometer on I2C, close enough for the real Iot.Device.Bmxx80 binding: chip id
/// 0x58 at 0xD0, soft reset at 0xE0, status 0xF3, ctrl_meas 0xF4, config 0xF5, the trimming
/// parameters at 0x88..0x9F (the datasheet's example calibration), and 20-bit raw pressure and
/// temperature at 0xF7..0xFC. The raw values are found by inverting the datasheet's compensation
/// formulas, so a binding that compensates correctly reads back the simulated pressure.
/// Measurements are only taken in normal mode, or once per forced-mode request, as on the chip.
/// </summary>
public sealed class SimulatedBmp280 : RegisterFileI2cDevice
{
    public const byte ChipId = 0x58;
    private const byte RegCalibration = 0x88;
    private const byte RegChipId = 0xD0;
    private const byte RegReset = 0xE0;
    private const byte RegStatus = 0xF3;
    private const byte RegCtrlMeas = 0xF4;
    private const byte RegPressure = 0xF7;
    private const byte RegTemperature = 0xFA;

    // Datasheet section 3.12 example trimming values.
    private const ushort T1 = 27504;
    private const short T2 = 26435;
    private const short T3 = -1000;
    private const ushort P1 = 36477;
    private const short P2 = -10685;
    private const short P3 = 3024;
    private const short P4 = 2855;
    private const short P5 = 140;
    private const short P6 = -7;
    private const short P7 = 15500;
    private const short P8 = -14600;
    private const short P9 = 6000;

    private double _pressurePa = 101_325;
    private double _temperatureC = 22;

    public SimulatedBmp280(int busId = 1, int address = 0x76)
        : base(new I2cConnectionSettings(busId, address))
    {
        PowerOnReset();
    }

    /// <summary>Sets what the sensing element feels; the next measurement converts it to raw values.</summary>
    public void SetEnvironment(double pressurePa, double temperatureC)
    {
        lock (Gate)
        {
            _pressurePa = pressurePa;
            _temperatureC = temperatureC;
            if ((Get(RegCtrlMeas) & 0b11) == 0b11)
            {
                Measure();
            }
        }
    }

    protected override byte OnRead(byte address) => address switch
    {
        RegChipId => ChipId,
        RegReset => 0,
        RegStatus => 0,
        _ => base.OnRead(address),
    };

    protected override void OnWrite(byte address, byte value)
    {
        switch (address)
        {
            case RegReset:
                if (value == 0xB6)
                {
                    PowerOnReset();
                }

                break;
            case RegCtrlMeas:
                base.OnWrite(address, value);
                var mode = value & 0b11;
                if (mode is 0b01 or 0b10)
                {
                    // Forced: one conversion, then back to sleep.
                    Measure();
                    base.OnWrite(address, (byte)(value & 0b1111_1100));
                }
                else if (mode == 0b11)
                {
                    Measure();
                }

                break;
            case < RegCtrlMeas and not RegReset:
                // Calibration and id registers are read-only.
                break;
            default:
                base.OnWrite(address, value);
                break;
        }
    }

    private void PowerOnReset()
    {
        Clear();
        WriteLittleEndian(0x88, T1);
        WriteLittleEndian(0x8A, unchecked((ushort)T2));
        WriteLittleEndian(0x8C, unchecked((ushort)T3));
        WriteLittleEndian(0x8E, P1);
        WriteLittleEndian(0x90, unchecked((ushort)P2));
        WriteLittleEndian(0x92, unchecked((ushort)P3));
        WriteLittleEndian(0x94, unchecked((ushort)P4));
        WriteLittleEndian(0x96, unchecked((ushort)P5));
        WriteLittleEndian(0x98, unchecked((ushort)P6));
        WriteLittleEndian(0x9A, unchecked((ushort)P7));
        WriteLittleEndian(0x9C, unchecked((ushort)P8));
        WriteLittleEndian(0x9E, unchecked((ushort)P9));
        Write20Bit(RegPressure, 0x80000);
        Write20Bit(RegTemperature, 0x80000);
        _ = RegCalibration;
    }

    private void Measure()
    {
        var adcT = InvertTemperature(_temperatureC, out var tFine);
        var adcP = InvertPressure(_pressurePa, tFine);
        Write20Bit(RegTemperature, adcT);
        Write20Bit(RegPressure, adcP);
    }

    private void WriteLittleEndian(byte register, ushort value)
    {
        Set(register, (byte)value);
        Set((byte)(register + 1), (byte)(value >> 8));
    }

    private void Write20Bit(byte register, int raw)
    {
        Set(register, (byte)(raw >> 12));
        Set((byte)(register + 1), (byte)(raw >> 4));
        Set((byte)(register + 2), (byte)((raw & 0xF) << 4));
    }

    /// <summary>Datasheet temperature compensation (floating point): returns °C and t_fine.</summary>
    public static double CompensateTemperature(int adcT, out int tFine)
    {
        var var1 = ((adcT / 16384.0) - (T1 / 1024.0)) * T2;
        var var2 = (adcT / 131072.0) - (T1 / 8192.0);
        var2 = var2 * var2 * T3;
        tFine = (int)(var1 + var2);
        return (var1 + var2) / 5120.0;
    }

    /// <summary>Datasheet 64-bit integer pressure compensation: returns Pa.</summary>
    public static double CompensatePressure(int adcP, int tFine)
    {
        long var1 = tFine - 128000L;
        var var2 = var1 * var1 * P6;
        var2 += (var1 * P5) << 17;
        var2 += (long)P4 << 35;
        var1 = ((var1 * var1 * P3) >> 8) + ((var1 * P2) << 12);
        var1 = (((1L << 47) + var1) * P1) >> 33;
        if (var1 == 0)
        {
            return 0;
        }

        long p = 1048576 - adcP;
        p = (((p << 31) - var2) * 3125) / var1;
        var1 = (P9 * (p >> 13) * (p >> 13)) >> 25;
        var2 = (P8 * p) >> 19;
        p = ((p + var1 + var2) >> 8) + ((long)P7 << 4);
        return p / 256.0;
    }

    private static int InvertTemperature(double celsius, out int tFine)
    {
        // Temperature rises with the raw value: binary search over 20 bits.
        int lo = 0, hi = (1 << 20) - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (CompensateTemperature(mid, out _) < celsius)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        CompensateTemperature(lo, out tFine);
        return lo;
    }

    private static int InvertPressure(double pascals, int tFine)
    {
        // Pressure falls as the raw value rises.
        int lo = 0, hi = (1 << 20) - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (CompensatePressure(mid, tFine) > pascals)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
