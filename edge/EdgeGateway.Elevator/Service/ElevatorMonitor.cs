using EdgeGateway.Core.Health;
using EdgeGateway.Elevator.Machine;
using EdgeGateway.Elevator.Maintenance;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Elevator.Service;

/// <summary>
/// The read side for the diagnostics page and the technician's check-in. Snapshots are published
/// by the consumer (the only thread that touches the machine); a check-in is written durably
/// here, then handed to the consumer so the machine clears maintenance_overdue.
/// </summary>
public sealed class ElevatorMonitor : IElevatorMonitor
{
    private readonly MaintenanceLog _log;
    private readonly ElevatorEventChannel _channel;
    private readonly TimeProvider _time;
    private readonly ILogger<ElevatorMonitor> _logger;
    private readonly string _car;
    private volatile ElevatorSnapshot _snapshot;

    public ElevatorMonitor(MaintenanceLog log, ElevatorEventChannel channel, TimeProvider time, IOptions<ElevatorOptions> options, ILogger<ElevatorMonitor> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _log = log;
        _channel = channel;
        _time = time;
        _logger = logger;
        _car = options.Value.CarId;

        // A machine of the same configuration draws the diagram; the live one is never touched off its thread.
        var preview = new ElevatorFaultMachine(options.Value, time, log.Last()?.At);
        StateDiagramMermaid = preview.ToMermaid();
        _snapshot = preview.Snapshot();
    }

    public string StateDiagramMermaid { get; }

    public ElevatorSnapshot GetSnapshot() => _snapshot;

    public async ValueTask CheckInMaintenanceAsync(string technician, CancellationToken cancellationToken = default)
    {
        var visit = _log.CheckIn(technician, _time.GetUtcNow());
        Log.CheckedIn(_logger, _car, visit.Technician);
        await _channel.Writer.WriteAsync(ElevatorEvent.CheckIn(visit.At), cancellationToken);
    }

    internal void Publish(ElevatorSnapshot snapshot) => _snapshot = snapshot;
}
