using System.Globalization;
using System.Text.Json;
using EdgeGateway.Elevator.Machine;

namespace EdgeGateway.Elevator.Hardware;

/// <summary>
/// Reads a board profile and reports every problem on its own line: the file, the key, the
/// value, what was expected. A pin named twice is reported with both of its uses.
/// </summary>
public static class BoardProfileLoader
{
    /// <summary>BCM pins free for contacts on a Pi header: 0/1 are the HAT EEPROM, 2/3 are I2C bus 1.</summary>
    public const int FirstUsablePin = 4;
    public const int LastUsablePin = 27;
    private static readonly string[] Chips = ["mpu6050", "bmp280"];

    public static BoardProfile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BoardProfileException($"board profile {path}: cannot read ({ex.Message})");
        }

        return Parse(text, Path.GetFileName(path));
    }

    public static BoardProfile Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new BoardProfileException($"board profile {source}: not valid JSON at line {(ex.LineNumber ?? 0) + 1}");
        }

        using (document)
        {
            var problems = new List<string>();
            var profile = Read(document.RootElement, source, problems);
            if (problems.Count > 0 || profile is null)
            {
                throw new BoardProfileException(problems);
            }

            return profile;
        }
    }

    private static BoardProfile? Read(JsonElement root, string source, List<string> problems)
    {
        void Problem(string key, string value, string expected) =>
            problems.Add($"board profile {source}: {key} = {value}: expected {expected}");

        if (root.ValueKind != JsonValueKind.Object)
        {
            Problem("(root)", root.ValueKind.ToString(), "an object with board, inputs, outputs and i2c");
            return null;
        }

        var board = root.TryGetProperty("board", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString()! : "";
        if (board.Length == 0)
        {
            Problem("board", Raw(root, "board"), "the board name, e.g. \"rpi4\"");
        }

        var usedBy = new Dictionary<int, string>();
        var inputs = new Dictionary<string, InputPin>(StringComparer.Ordinal);
        var outputs = new Dictionary<string, OutputPin>(StringComparer.Ordinal);
        var inputsElement = Section(root, "inputs", source, problems);
        foreach (var signal in ElevatorSignals.Inputs)
        {
            if (inputsElement is not { } section)
            {
                break;
            }

            var name = signal.Name;
            if (!signal.Required && !section.TryGetProperty(name, out _))
            {
                continue;
            }

            if (!section.TryGetProperty(name, out var entry) || entry.ValueKind != JsonValueKind.Object)
            {
                Problem($"inputs.{name}", Raw(section, name), "an object { \"pin\": <BCM number>, \"active_low\": true|false, \"debounce_ms\": <ms> }");
                continue;
            }

            var pin = Pin(entry, $"inputs.{name}", usedBy, Problem);
            var activeLow = Bool(entry, $"inputs.{name}", "active_low", Problem);
            var debounce = Milliseconds(entry, $"inputs.{name}", "debounce_ms", 0, 1000, required: true, Problem);
            var hold = Milliseconds(entry, $"inputs.{name}", "hold_ms", 0, 60_000, required: false, Problem);
            if (pin is { } p && activeLow is { } low && debounce is { } d)
            {
                inputs[name] = new InputPin(p, low, d, hold ?? TimeSpan.Zero);
            }
        }

        Unknown(inputsElement, [.. ElevatorSignals.Inputs.Select(s => s.Name)], "inputs", source, problems);

        var outputsElement = Section(root, "outputs", source, problems);
        foreach (var name in ElevatorSignals.Outputs)
        {
            if (outputsElement is not { } section)
            {
                break;
            }

            if (!section.TryGetProperty(name, out var entry) || entry.ValueKind != JsonValueKind.Object)
            {
                Problem($"outputs.{name}", Raw(section, name), "an object { \"pin\": <BCM number>, \"active_low\": true|false }");
                continue;
            }

            var pin = Pin(entry, $"outputs.{name}", usedBy, Problem);
            var activeLow = Bool(entry, $"outputs.{name}", "active_low", Problem);
            if (pin is { } p && activeLow is { } low)
            {
                outputs[name] = new OutputPin(p, low);
            }
        }

        Unknown(outputsElement, ElevatorSignals.Outputs, "outputs", source, problems);

        var i2c = Section(root, "i2c", source, problems);
        var bus = 1;
        I2cChip? accelerometer = null, barometer = null;
        if (i2c is { } bus0)
        {
            if (bus0.TryGetProperty("bus", out var busElement))
            {
                if (busElement.ValueKind == JsonValueKind.Number && busElement.TryGetInt32(out var busNumber) && busNumber is >= 0 and <= 20)
                {
                    bus = busNumber;
                }
                else
                {
                    Problem("i2c.bus", busElement.GetRawText(), "an I2C bus number from 0 to 20");
                }
            }

            accelerometer = Chip(bus0, "accelerometer", "mpu6050", Problem);
            barometer = Chip(bus0, "barometer", "bmp280", Problem);
        }

        var gpioChip = 0;
        if (root.TryGetProperty("gpio_chip", out var chipElement))
        {
            if (chipElement.ValueKind == JsonValueKind.Number && chipElement.TryGetInt32(out var chipNumber) && chipNumber is >= 0 and <= 16)
            {
                gpioChip = chipNumber;
            }
            else
            {
                Problem("gpio_chip", chipElement.GetRawText(), "a gpiochip number from 0 to 16");
            }
        }

        return problems.Count == 0 ? new BoardProfile(board, inputs, outputs, bus, accelerometer!, barometer!) { GpioChip = gpioChip } : null;
    }

    private static JsonElement? Section(JsonElement root, string name, string source, List<string> problems)
    {
        if (root.TryGetProperty(name, out var section) && section.ValueKind == JsonValueKind.Object)
        {
            return section;
        }

        problems.Add($"board profile {source}: {name} = {Raw(root, name)}: expected an object");
        return null;
    }

    private static void Unknown(JsonElement? section, IReadOnlyList<string> known, string path, string source, List<string> problems)
    {
        if (section is not { } s)
        {
            return;
        }

        foreach (var property in s.EnumerateObject())
        {
            if (!known.Contains(property.Name))
            {
                problems.Add($"board profile {source}: {path}.{property.Name}: unknown signal; expected one of {string.Join(", ", known)}");
            }
        }
    }

    private static int? Pin(JsonElement entry, string key, Dictionary<int, string> usedBy, Action<string, string, string> problem)
    {
        if (!entry.TryGetProperty("pin", out var element) || element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var pin))
        {
            problem($"{key}.pin", Raw(entry, "pin"), "a BCM GPIO number");
            return null;
        }

        if (pin is < FirstUsablePin or > LastUsablePin)
        {
            problem($"{key}.pin", pin.ToString(CultureInfo.InvariantCulture),
                $"a BCM GPIO from {FirstUsablePin} to {LastUsablePin} (0-1 are the HAT EEPROM, 2-3 the I2C bus)");
            return null;
        }

        if (usedBy.TryGetValue(pin, out var other))
        {
            problem($"{key}.pin", pin.ToString(CultureInfo.InvariantCulture), $"a pin of its own; GPIO {pin} is already used by {other}");
            return null;
        }

        usedBy[pin] = key;
        return pin;
    }

    private static bool? Bool(JsonElement entry, string key, string name, Action<string, string, string> problem)
    {
        if (entry.TryGetProperty(name, out var element) && element.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return element.GetBoolean();
        }

        problem($"{key}.{name}", Raw(entry, name), "true or false");
        return null;
    }

    private static TimeSpan? Milliseconds(JsonElement entry, string key, string name, int min, int max, bool required, Action<string, string, string> problem)
    {
        if (!entry.TryGetProperty(name, out var element))
        {
            if (required)
            {
                problem($"{key}.{name}", "(missing)", $"milliseconds from {min} to {max}");
            }

            return null;
        }

        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var ms) && ms >= min && ms <= max)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        problem($"{key}.{name}", element.GetRawText(), $"milliseconds from {min} to {max}");
        return null;
    }

    private static I2cChip? Chip(JsonElement i2c, string role, string defaultChip, Action<string, string, string> problem)
    {
        if (!i2c.TryGetProperty(role, out var entry) || entry.ValueKind != JsonValueKind.Object)
        {
            problem($"i2c.{role}", Raw(i2c, role), $"an object {{ \"chip\": \"{defaultChip}\", \"address\": \"0x..\" }}");
            return null;
        }

        var chip = entry.TryGetProperty("chip", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "";
        if (!Chips.Contains(chip) || chip != defaultChip)
        {
            problem($"i2c.{role}.chip", Raw(entry, "chip"), $"\"{defaultChip}\" (the supported {role})");
            return null;
        }

        int? address = null;
        if (entry.TryGetProperty("address", out var a))
        {
            if (a.ValueKind == JsonValueKind.Number && a.TryGetInt32(out var n))
            {
                address = n;
            }
            else if (a.ValueKind == JsonValueKind.String && a.GetString() is { } s && s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex))
            {
                address = hex;
            }
        }

        if (address is not (>= 0x08 and <= 0x77))
        {
            problem($"i2c.{role}.address", Raw(entry, "address"), "a 7-bit I2C address from 0x08 to 0x77, e.g. \"0x68\"");
            return null;
        }

        return new I2cChip(chip, address.Value);
    }

    private static string Raw(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) ? value.GetRawText() : "(missing)";
}
