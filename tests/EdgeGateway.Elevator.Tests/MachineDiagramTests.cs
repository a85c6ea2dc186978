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
            // Repinning is its own step: it rewrites the pin and fails, so a run that repins never
            // counts as a passing run. Review the diff of the pin, then run again without it.
            File.WriteAllText(PinnedPath, diagram);
            Assert.Fail($"EDGEGW_REPIN=1: rewrote {PinnedPath}; review `git diff` of it and run the tests again without EDGEGW_REPIN");
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
