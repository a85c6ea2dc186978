using System.Globalization;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Elevator;

/// <summary>Checks the elevator options; one line per problem: key, value, what was expected.</summary>
public sealed class ElevatorOptionsValidator : IValidateOptions<ElevatorOptions>
{
    private static readonly string[] Boards = ["rpi4", "rpi5", "simulated"];

    public ValidateOptionsResult Validate(string? name, ElevatorOptions options)
    {
        var problems = Problems(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    public static List<string> Problems(ElevatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        void Positive(string key, TimeSpan value)
        {
            if (value <= TimeSpan.Zero)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"Elevator:{key} = '{value}': expected a positive duration"));
            }
        }

        void Check(bool ok, string key, object value, string expected)
        {
            if (!ok)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"Elevator:{key} = '{value}': expected {expected}"));
            }
        }

        Check(options.Floors is >= 2 and <= 200, nameof(options.Floors), options.Floors, "a floor count from 2 to 200");
        Check(options.BottomFloor is >= -20 and <= 200, nameof(options.BottomFloor), options.BottomFloor, "a floor number from -20 to 200");
        Check(options.FloorHeightM is > 1 and < 20, nameof(options.FloorHeightM), options.FloorHeightM, "a storey height in metres between 1 and 20");
        Check(options.FloorHeightsM.Count == 0 || options.FloorHeightsM.Count == options.Floors, nameof(options.FloorHeightsM), options.FloorHeightsM.Count,
            "either no floor heights or one per floor");
        for (var i = 1; i < options.FloorHeightsM.Count; i++)
        {
            Check(options.FloorHeightsM[i] > options.FloorHeightsM[i - 1], $"FloorHeightsM:{i}", options.FloorHeightsM[i], "heights rising floor by floor");
        }

        Check(options.RatedSpeedMps is > 0 and <= 20, nameof(options.RatedSpeedMps), options.RatedSpeedMps, "a rated speed in m/s above 0 and at most 20");
        Check(options.MovingThresholdMps > 0 && options.MovingThresholdMps < options.RatedSpeedMps, nameof(options.MovingThresholdMps), options.MovingThresholdMps,
            "a speed above 0 and below the rated speed");
        Check(options.OverspeedFactor is > 1 and < 3, nameof(options.OverspeedFactor), options.OverspeedFactor, "a factor above 1 and below 3 (1.15 = rated + 15 %)");
        Check(options.OverspeedSamples >= 1, nameof(options.OverspeedSamples), options.OverspeedSamples, "at least 1 sample");
        Check(options.DoorFaultCycles >= 2, nameof(options.DoorFaultCycles), options.DoorFaultCycles, "at least 2 door cycles");
        Check(Boards.Contains(options.Board), nameof(options.Board), options.Board, "one of rpi4, rpi5, simulated");
        Positive(nameof(options.TrappedAfter), options.TrappedAfter);
        Positive(nameof(options.StopOutsideZoneAfter), options.StopOutsideZoneAfter);
        Positive(nameof(options.DoorOpenMovingAfter), options.DoorOpenMovingAfter);
        Positive(nameof(options.OverspeedWindow), options.OverspeedWindow);
        Positive(nameof(options.OverspeedSampleInterval), options.OverspeedSampleInterval);
        Positive(nameof(options.OvertravelConfirm), options.OvertravelConfirm);
        Positive(nameof(options.DoorOpenTooLongAfter), options.DoorOpenTooLongAfter);
        Positive(nameof(options.DoorFaultWindow), options.DoorFaultWindow);
        Positive(nameof(options.SafetyCircuitConfirm), options.SafetyCircuitConfirm);
        Positive(nameof(options.PowerLossConfirm), options.PowerLossConfirm);
        Positive(nameof(options.AlarmButtonHold), options.AlarmButtonHold);
        Positive(nameof(options.EbikeSeenFor), options.EbikeSeenFor);
        Positive(nameof(options.EbikeWindow), options.EbikeWindow);
        Positive(nameof(options.EbikeClearAfter), options.EbikeClearAfter);
        Positive(nameof(options.MaintenanceInterval), options.MaintenanceInterval);
        Positive(nameof(options.StatusIntervalMoving), options.StatusIntervalMoving);
        Positive(nameof(options.StatusIntervalIdle), options.StatusIntervalIdle);
        Positive(nameof(options.TickInterval), options.TickInterval);
        Positive(nameof(options.SampleInterval), options.SampleInterval);
        Check(options.EbikeSeenFor <= options.EbikeWindow, nameof(options.EbikeSeenFor), options.EbikeSeenFor, "at most Elevator:EbikeWindow");
        Check(options.OverspeedSampleInterval * options.OverspeedSamples <= options.OverspeedWindow + options.OverspeedSampleInterval,
            nameof(options.OverspeedSamples), options.OverspeedSamples, "no more samples than fit in Elevator:OverspeedWindow");
        return problems;
    }
}
