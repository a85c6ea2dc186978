using System.Globalization;
using EdgeGateway.Elevator.Machine;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Elevator;

/// <summary>Checks the elevator options; one line per problem: key, value, what was expected.</summary>
public sealed class ElevatorOptionsValidator : IValidateOptions<ElevatorOptions>
{
    private static readonly string[] Boards = ["rpi4", "rpi5", ElevatorOptions.SimulatedBoard];

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
        Positive(nameof(options.DoorLockOpenConfirm), options.DoorLockOpenConfirm);
        Positive(nameof(options.DoorOpenFailureAfter), options.DoorOpenFailureAfter);
        Positive(nameof(options.DoorCloseFailureAfter), options.DoorCloseFailureAfter);
        Positive(nameof(options.ButtonStuckAfter), options.ButtonStuckAfter);
        Positive(nameof(options.VibrationAfter), options.VibrationAfter);
        Positive(nameof(options.VibrationClearAfter), options.VibrationClearAfter);
        Positive(nameof(options.VibrationWindow), options.VibrationWindow);
        Positive(nameof(options.SpeedAnomalyAfter), options.SpeedAnomalyAfter);
        Positive(nameof(options.ModeConfirm), options.ModeConfirm);
        Positive(nameof(options.StatisticsInterval), options.StatisticsInterval);
        Check(options.UnintendedMovementM is > 0 and <= 5, nameof(options.UnintendedMovementM), options.UnintendedMovementM, "a distance in metres above 0 and at most 5");
        Check(options.VibrationLimitMps2 is > 0 and <= 20, nameof(options.VibrationLimitMps2), options.VibrationLimitMps2, "an RMS acceleration in m/s² above 0 and at most 20");
        Check(options.SpeedAnomalyLowFactor is > 0 and < 1 && options.RatedSpeedMps * options.SpeedAnomalyLowFactor > options.MovingThresholdMps,
            nameof(options.SpeedAnomalyLowFactor), options.SpeedAnomalyLowFactor, "a factor below 1 whose share of the rated speed is above Elevator:MovingThresholdMps");
        var kinds = ElevatorCodes.Kinds;
        for (var i = 0; i < (options.SuppressedInModes?.Count ?? 0); i++)
        {
            var kind = options.SuppressedInModes![i];
            Check(kinds.Contains(kind) && kind is not (AlertKinds.InspectionMode or AlertKinds.FireMode), $"SuppressedInModes:{i}", kind,
                "an elevator fault kind (e.g. trapped, door_fault); not a mode");
        }

        foreach (var (kind, code) in options.Codes)
        {
            Check(kinds.Contains(kind), $"Codes:{kind}", code, $"a key that is an elevator alert kind ({string.Join(", ", kinds)})");
            Check(ElevatorCodes.IsValidCode(code), $"Codes:{kind}", code, "a platform code of 1 to 32 letters, digits, '-', '_' or '.'");
        }

        Positive(nameof(options.MaintenanceInterval), options.MaintenanceInterval);
        Positive(nameof(options.StatusIntervalMoving), options.StatusIntervalMoving);
        Positive(nameof(options.StatusIntervalIdle), options.StatusIntervalIdle);
        Positive(nameof(options.TickInterval), options.TickInterval);
        Positive(nameof(options.SampleInterval), options.SampleInterval);
        Check(options.OverspeedSampleInterval * options.OverspeedSamples <= options.OverspeedWindow + options.OverspeedSampleInterval,
            nameof(options.OverspeedSamples), options.OverspeedSamples, "no more samples than fit in Elevator:OverspeedWindow");
        return problems;
    }
}
