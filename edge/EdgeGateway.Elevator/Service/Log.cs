using EdgeGateway.Core.Alerts;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Elevator.Service;

internal static partial class Log
{
    [LoggerMessage(EventId = ElevatorLogEvents.ElevatorFaultChanged, Level = LogLevel.Warning, Message = "Elevator {Car}: {Kind} {State} at floor {Floor}")]
    public static partial void FaultChanged(ILogger logger, string car, string kind, AlertState state, string? floor);

    [LoggerMessage(EventId = ElevatorLogEvents.ElevatorStarted, Level = LogLevel.Information, Message = "Elevator {Car}: monitoring started, last maintenance {LastMaintenance}")]
    public static partial void Started(ILogger logger, string car, DateTimeOffset? lastMaintenance);

    [LoggerMessage(EventId = ElevatorLogEvents.ElevatorPublishFailed, Level = LogLevel.Error, Message = "Elevator {Car}: publishing {Kind} failed; retrying")]
    public static partial void PublishFailed(ILogger logger, Exception exception, string car, string kind);

    [LoggerMessage(EventId = ElevatorLogEvents.ElevatorSampleFailed, Level = LogLevel.Error, Message = "Elevator sampler: reading the hardware failed")]
    public static partial void SampleFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = ElevatorLogEvents.ElevatorCheckedIn, Level = LogLevel.Information, Message = "Elevator {Car}: maintenance check-in by {Technician}")]
    public static partial void CheckedIn(ILogger logger, string car, string technician);

    [LoggerMessage(EventId = ElevatorLogEvents.ElevatorEbikeResponse, Level = LogLevel.Information, Message = "E-bike in car {State}: door hold {DoorHold}, voice prompt {Voice}")]
    public static partial void EbikeResponse(ILogger logger, AlertState state, bool doorHold, bool voice);

    [LoggerMessage(EventId = ElevatorLogEvents.ElevatorStatisticsNotSaved, Level = LogLevel.Warning, Message = "Elevator run statistics not saved to {Path}")]
    public static partial void StatisticsNotSaved(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = ElevatorLogEvents.ElevatorReconfigured, Level = LogLevel.Information, Message = "Elevator {Car}: settings changed; the fault machine continues with them, raised faults kept: [{Faults}]")]
    public static partial void Reconfigured(ILogger logger, string car, IReadOnlyList<string> faults);

    [LoggerMessage(EventId = ElevatorLogEvents.ElevatorSettingsRejected, Level = LogLevel.Error, Message = "Elevator: new settings not applied, the previous ones stay: {Problems}")]
    public static partial void SettingsRejected(ILogger logger, string problems);

    [LoggerMessage(EventId = ElevatorLogEvents.ElevatorSampleIntervalChanged, Level = LogLevel.Information, Message = "Elevator sampler: SampleInterval {Old} -> {New}, applied")]
    public static partial void SampleIntervalChanged(ILogger logger, TimeSpan old, TimeSpan @new);

    [LoggerMessage(EventId = ElevatorLogEvents.ElevatorBoardChanged, Level = LogLevel.Warning, Message = "Elevator sampler: Board '{OldBoard}' (profile '{OldProfile}') -> '{NewBoard}' (profile '{NewProfile}') takes effect when the service starts again")]
    public static partial void BoardChanged(ILogger logger, string oldBoard, string oldProfile, string newBoard, string newProfile);
}
