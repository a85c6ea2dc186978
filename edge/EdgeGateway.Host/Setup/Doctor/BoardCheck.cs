namespace EdgeGateway.Host.Setup.Doctor;

/// <summary>The elevator board's GPIO lines and I2C devices answer.</summary>
internal sealed class BoardCheck : IDoctorCheck
{
    public string Name => "board";

    public Task<IReadOnlyList<DoctorResult>> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var board = context.Settings.Board;
        IReadOnlyList<DoctorResult> results = board switch
        {
            null or "" => [DoctorResult.Pass(Name, "no elevator board configured")],
            "sim" or "simulated" => [DoctorResult.Pass(Name, $"board '{board}' is simulated; no hardware to probe")],
            _ => Probe(board),
        };
        return Task.FromResult(results);
    }

    private List<DoctorResult> Probe(string board)
    {
        var results = new List<DoctorResult>();
        var chips = Directory.Exists("/dev") ? Directory.GetFiles("/dev", "gpiochip*") : [];
        results.Add(chips.Length > 0
            ? DoctorResult.Pass($"{Name} gpio", $"{string.Join(", ", chips)} present for board '{board}'")
            : DoctorResult.Fail($"{Name} gpio", $"no /dev/gpiochip* for board '{board}'", "enable GPIO in the board's device tree, and add the edgegw user to the 'gpio' group"));
        var buses = Directory.Exists("/dev") ? Directory.GetFiles("/dev", "i2c-*") : [];
        results.Add(buses.Length > 0
            ? DoctorResult.Pass($"{Name} i2c", $"{string.Join(", ", buses)} present")
            : DoctorResult.Fail($"{Name} i2c", $"no /dev/i2c-* for board '{board}'", "enable I2C (dtparam=i2c_arm=on on a Raspberry Pi) and add the edgegw user to the 'i2c' group"));
        return results;
    }
}
