using EdgeGateway.Elevator.Machine;

namespace EdgeGateway.Elevator.Replay;

/// <summary>
/// Feeds a scenario through the real fault machine in virtual time, as fast as it can. Replay
/// ends at the last line's <c>t</c>: add a line with only <c>t</c> to let time run on.
/// </summary>
public static class ScenarioReplayer
{
    /// <summary>Replays <paramref name="scenario"/>; calls <paramref name="onAlert"/> for each raise and clear in order.</summary>
    /// <returns>The number of timed lines replayed.</returns>
    /// <exception cref="ScenarioException">A line is malformed; the message names it.</exception>
    public static int Run(TextReader scenario, ElevatorOptions options, Action<ReplayAlert> onAlert)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(onAlert);
        var settings = new ScenarioSettings();
        VirtualClock? clock = null;
        ElevatorFaultMachine? machine = null;
        var lineNumber = 0;
        var timedLines = 0;
        var previousT = 0.0;
        string? text;
        while ((text = scenario.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            using var document = ScenarioParser.ParseJson(text, lineNumber);
            var root = document.RootElement;
            if (ScenarioParser.IsConfigLine(root))
            {
                if (machine is not null)
                {
                    throw new ScenarioException(lineNumber, "\"config\" is only allowed on the first line");
                }

                if (root.EnumerateObject().Count() != 1)
                {
                    throw new ScenarioException(lineNumber, "the config line holds only \"config\"");
                }

                ScenarioParser.ApplyConfig(root, lineNumber, options, settings);
                continue;
            }

            var line = ScenarioParser.ParseLine(root, lineNumber, previousT);
            if (machine is null)
            {
                clock = new VirtualClock(settings.Start);
                machine = new ElevatorFaultMachine(options, clock, settings.LastMaintenance);
            }

            if (line.Signals.Floor is { } floor && (floor < options.BottomFloor - 1 || floor > options.TopFloor + 1))
            {
                throw new ScenarioException(lineNumber, $"\"floor\" {floor} is outside the building ({options.BottomFloor}..{options.TopFloor})");
            }

            previousT = line.T;
            clock!.SetTo(settings.Start + TimeSpan.FromSeconds(line.T));
            machine.Apply(line.Signals);
            if (line.CheckInTechnician is not null)
            {
                machine.CheckIn(clock.GetUtcNow());
            }

            timedLines++;
            Drain(machine, settings.Start, onAlert);
        }

        return timedLines;
    }

    private static void Drain(ElevatorFaultMachine machine, DateTimeOffset start, Action<ReplayAlert> onAlert)
    {
        while (machine.TryTakeChange(out var change))
        {
            onAlert(new ReplayAlert(Math.Round((change.At - start).TotalSeconds, 3), change));
        }
    }
}
