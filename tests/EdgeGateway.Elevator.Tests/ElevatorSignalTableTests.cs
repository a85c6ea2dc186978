using System.Text.Json;
using EdgeGateway.Elevator.Hardware;
using EdgeGateway.Elevator.Machine;
using EdgeGateway.Elevator.Replay;
using EdgeGateway.Simulation;
using EdgeGateway.Simulation.Physics;
using EdgeGateway.Testing;

namespace EdgeGateway.Elevator.Tests;

/// <summary>One table of signals: what a board wires can be replayed, is listed when a key is wrong, and is simulated.</summary>
[Trait("Category", "Unit")]
public sealed class ElevatorSignalTableTests
{
    public static TheoryData<string> Boards => ["rpi4", "rpi5", "simulated"];

    [Theory]
    [MemberData(nameof(Boards))]
    public void Every_input_a_shipped_board_wires_can_be_driven_from_a_scenario_by_the_same_name(string board)
    {
        var profile = BoardProfileLoader.Load(Path.Combine(RepoPaths.Root, "hardware", "profiles", $"{board}.json"));

        foreach (var name in profile.Inputs.Keys)
        {
            var signals = new CarSignals(0.05);
            var flipped = !signals.ToDictionary()[name];
            using var line = JsonDocument.Parse($$"""{"t":1,"{{name}}":{{(flipped ? "true" : "false")}}}""");

            var parsed = ScenarioParser.ParseLine(line.RootElement, 2, 0);
            signals.Apply(parsed.Signals);

            Assert.Equal(flipped, signals.ToDictionary()[name]);
        }
    }

    [Theory]
    [InlineData("safety_circuit_ok", ElevatorSignals.SafetyCircuit)]
    [InlineData("door_lock_ok", ElevatorSignals.DoorLock)]
    public void Scenarios_written_with_the_former_spelling_still_replay(string former, string name)
    {
        var signals = new CarSignals(0.05);
        using var line = JsonDocument.Parse($$"""{"t":1,"{{former}}":false}""");

        signals.Apply(ScenarioParser.ParseLine(line.RootElement, 2, 0).Signals);

        Assert.False(signals.ToDictionary()[name]);
    }

    [Fact]
    public void An_unknown_scenario_key_lists_every_signal_of_the_table()
    {
        using var line = JsonDocument.Parse("""{"t":1,"safty_circuit":false}""");

        var ex = Assert.Throws<ScenarioException>(() => ScenarioParser.ParseLine(line.RootElement, 2, 0));

        var expected = ex.Message[(ex.Message.IndexOf("expected ", StringComparison.Ordinal) + "expected ".Length)..].Split(", ");
        Assert.Subset(expected.ToHashSet(), ElevatorSignals.Inputs.Select(s => s.Name).ToHashSet());
        Assert.Contains("speed_mps", expected);
    }

    [Fact]
    public void The_page_and_the_board_profile_use_one_name_per_input()
    {
        var profile = BoardProfileLoader.Load(Path.Combine(RepoPaths.Root, "hardware", "profiles", "simulated.json"));

        Assert.Equal(profile.Inputs.Keys.Order(), new CarSignals(0.05).ToDictionary().Keys.Order());
    }

    [Fact]
    public void The_simulator_drives_every_input_of_the_table()
    {
        var profile = BoardProfileLoader.Load(Path.Combine(RepoPaths.Root, "hardware", "profiles", "simulated.json"));

        var rig = new SimulatedElevatorRig(new BuildingModel(), SimulatedBox.PinMap(profile), SimulationNoise.None);

        Assert.Equal(ElevatorSignals.Inputs.Select(s => s.Name).Order(), rig.DrivenInputs.Order());
    }
}
