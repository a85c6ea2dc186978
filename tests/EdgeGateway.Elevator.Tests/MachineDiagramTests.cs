using EdgeGateway.Elevator.Machine;
using EdgeGateway.Testing;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Elevator.Tests;

[Trait("Category", "Unit")]
public sealed class MachineDiagramTests
{
    private static readonly string PinnedPath = Path.Combine(RepoPaths.Root, "tests", "EdgeGateway.Elevator.Tests", "Pinned", "elevator-machine.mmd");

    [Fact]
    public void Mermaid_diagram_matches_the_pinned_text()
    {
        var machine = new ElevatorFaultMachine(new ElevatorOptions(), new FakeTimeProvider());
        var diagram = machine.ToMermaid().ReplaceLineEndings("\n");
        if (Environment.GetEnvironmentVariable("EDGEGW_REPIN") == "1")
        {
            File.WriteAllText(PinnedPath, diagram);
        }

        Assert.Equal(File.ReadAllText(PinnedPath).ReplaceLineEndings("\n"), diagram);
    }

    [Fact]
    public void Mermaid_diagram_names_every_car_state()
    {
        var diagram = new ElevatorFaultMachine(new ElevatorOptions(), new FakeTimeProvider()).ToMermaid();
        foreach (var state in new[] { "Parked", "DoorOpen", "Running", "RunningDoorOpen", "Halted", "SafetyOpen", "NoPower" })
        {
            Assert.Contains(state, diagram, StringComparison.Ordinal);
        }
    }
}
