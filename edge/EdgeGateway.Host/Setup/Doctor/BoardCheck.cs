using System.Device.I2c;
using System.Globalization;
using EdgeGateway.Elevator;
using EdgeGateway.Elevator.Hardware;

namespace EdgeGateway.Host.Setup.Doctor;

/// <summary>
/// The elevator board: its profile loads, the profile's gpiochip and I2C bus exist, and both motion sensors
/// answer with their chip id at the profile's addresses. Only identity registers are read: the running
/// service may hold the GPIO lines and is reading the sensors, and neither must be disturbed.
/// </summary>
internal sealed class BoardCheck : IDoctorCheck
{
    /// <summary>MPU-6050 WHO_AM_I register and its value (the same for address 0x68 and 0x69).</summary>
    internal const byte Mpu6050WhoAmI = 0x75, Mpu6050Id = 0x68;

    /// <summary>BMP280 chip-id register and its value.</summary>
    internal const byte Bmp280IdRegister = 0xD0, Bmp280Id = 0x58;

    public string Name => "board";

    public Task<IReadOnlyList<DoctorResult>> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var board = context.Settings.Board;
        IReadOnlyList<DoctorResult> results = board switch
        {
            null or "" => [DoctorResult.Pass(Name, "no elevator board configured")],
            ElevatorOptions.SimulatedBoard => [DoctorResult.Pass(Name, $"board '{board}' is simulated; no hardware to probe")],
            _ => Probe(context, board),
        };
        return Task.FromResult(results);
    }

    private List<DoctorResult> Probe(DoctorContext context, string board)
    {
        var options = new ElevatorOptions
        {
            Board = board,
            BoardProfile = context.Configuration[$"{ElevatorOptions.SectionName}:{nameof(ElevatorOptions.BoardProfile)}"] ?? string.Empty,
        };
        BoardProfile profile;
        try
        {
            profile = BoardProfileLoader.Load(ElevatorServiceCollectionExtensions.ProfilePath(options));
        }
        catch (Exception ex) when (ex is BoardProfileException or IOException or UnauthorizedAccessException)
        {
            return [DoctorResult.Fail(Name, ex.Message, "set Elevator:Board to rpi4, rpi5 or simulated, or Elevator:BoardProfile to a profile file")];
        }

        var results = new List<DoctorResult> { DoorCommands(profile, board) };
        var chip = $"/dev/gpiochip{profile.GpioChip}";
        results.Add(File.Exists(chip)
            ? DoctorResult.Pass($"{Name} gpio", $"{chip} present for board '{board}'")
            : DoctorResult.Fail($"{Name} gpio", $"{chip} (gpio_chip of board '{board}') does not exist",
                "enable GPIO in the device tree; on a Pi 5 with a kernel before 6.6.45 the header is gpiochip4 (see hardware/README.md)"));

        var bus = $"/dev/i2c-{profile.I2cBus}";
        if (!File.Exists(bus))
        {
            results.Add(DoctorResult.Fail($"{Name} i2c", $"{bus} does not exist",
                "enable I2C (dtparam=i2c_arm=on on a Raspberry Pi) and add the edgegw user to the 'i2c' group"));
            return results;
        }

        I2cDevice Open(int address) => I2cDevice.Create(new I2cConnectionSettings(profile.I2cBus, address));
        results.Add(ProbeSensor(profile.I2cBus, profile.Accelerometer, "accelerometer", Mpu6050WhoAmI, Mpu6050Id, Open));
        results.Add(ProbeSensor(profile.I2cBus, profile.Barometer, "barometer", Bmp280IdRegister, Bmp280Id, Open));
        return results;
    }

    /// <summary>Whether the board wires the controller's door commands; without them two door faults are off.</summary>
    internal static DoctorResult DoorCommands(BoardProfile profile, string board)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return profile.HasDoorCommands
            ? DoctorResult.Pass("board door commands", $"board '{board}' wires door_open_cmd and door_close_cmd: door_open_failure and door_close_failure are on")
            : DoctorResult.Warn("board door commands",
                $"board '{board}' has no door_open_cmd/door_close_cmd input: door_open_failure and door_close_failure are disabled",
                "wire the controller's door-open and door-close commands and add them to the board profile (hardware/README.md)");
    }

    /// <summary>Reads one identity register; a silent bus, a wrong chip or no access is a failure line with a hint.</summary>
    internal static DoctorResult ProbeSensor(int bus, I2cChip sensor, string role, byte idRegister, byte expectedId, Func<int, I2cDevice> open)
    {
        ArgumentNullException.ThrowIfNull(sensor);
        ArgumentNullException.ThrowIfNull(open);
        var name = $"board {role}";
        var where = $"{sensor.Chip} on i2c-{bus} at 0x{sensor.Address.ToString("x2", CultureInfo.InvariantCulture)}";
        var wiring = $"check its wiring, power and address (`i2cdetect -y {bus}` lists what answers)";
        try
        {
            using var device = open(sensor.Address);
            Span<byte> id = stackalloc byte[1];
            device.WriteRead([idRegister], id);
            return id[0] == expectedId
                ? DoctorResult.Pass(name, $"{where} answers (id 0x{id[0]:x2})")
                : DoctorResult.Fail(name, $"{where} answered id 0x{id[0]:x2}; expected 0x{expectedId:x2}",
                    $"another chip answers at that address: {wiring}");
        }
        catch (UnauthorizedAccessException ex)
        {
            return DoctorResult.Fail(name, $"{where}: {ex.Message}", "add the edgegw user to the 'i2c' group");
        }
        catch (IOException ex)
        {
            return DoctorResult.Fail(name, $"{where} does not answer: {ex.Message}", wiring);
        }
    }
}
