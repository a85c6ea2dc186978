using EdgeGateway.Elevator.Replay;
using EdgeGateway.Testing;

namespace EdgeGateway.Elevator.Tests;

/// <summary>Replays a scenario from seeds/scenarios and collects its alerts.</summary>
internal static class ScenarioRun
{
    public static List<ReplayAlert> File(string name, ElevatorOptions? options = null)
    {
        using var reader = new StreamReader(RepoPaths.Seeds("scenarios", name));
        return Text(reader, options);
    }

    public static List<ReplayAlert> Text(TextReader reader, ElevatorOptions? options = null)
    {
        var alerts = new List<ReplayAlert>();
        ScenarioReplayer.Run(reader, options ?? new ElevatorOptions(), alerts.Add);
        return alerts;
    }

    public static List<ReplayAlert> Lines(params string[] lines) => Text(new StringReader(string.Join('\n', lines)));
}
