using EdgeGateway.Core.Health;
using EdgeGateway.Elevator.Machine;
using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Host.Diagnostics.Commissioning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Host.Tests.Unit;

/// <summary>The page's guided signal check lists what the technician must toggle: every input of the signal table.</summary>
[Trait("Category", "Unit")]
public sealed class SignalCheckRecorderTests
{
    [Fact]
    public void A_signal_check_covers_every_input_of_the_table_and_nothing_else()
    {
        // A monitor that lacks one input and reports one that is not a switch.
        var levels = ElevatorSignals.Inputs.Skip(1).ToDictionary(s => s.Name, _ => true);
        levels["ebike_seen"] = false;
        using var services = new ServiceCollection().AddSingleton<IElevatorMonitor>(new LevelsMonitor(levels)).BuildServiceProvider();
        var configuration = new ConfigurationBuilder().Build();
        using var recorder = new SignalCheckRecorder(new GatewayParts(services, configuration), configuration, new FakeTimeProvider());

        var check = recorder.Start();

        Assert.NotNull(check);
        Assert.Equal(ElevatorSignals.Inputs.Select(s => s.Name), check.Inputs.Select(i => i.Input));
        Assert.All(check.Inputs, i => Assert.Null(i.SeenAt));
    }

    private sealed class LevelsMonitor(IReadOnlyDictionary<string, bool> levels) : IElevatorMonitor
    {
        public string StateDiagramMermaid => string.Empty;

        public ElevatorSnapshot GetSnapshot() => new("Idle", 0, "none", true, true, 0, levels, [], null);

        public ValueTask CheckInMaintenanceAsync(string technician, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
