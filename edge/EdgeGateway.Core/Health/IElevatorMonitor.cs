namespace EdgeGateway.Core.Health;

/// <summary>Read side of the elevator monitor, plus the technician's check-in.</summary>
public interface IElevatorMonitor
{
    ElevatorSnapshot GetSnapshot();

    /// <summary>The fault machine as a Mermaid state diagram.</summary>
    string StateDiagramMermaid { get; }

    /// <summary>Records a maintenance visit durably; clears maintenance_overdue.</summary>
    ValueTask CheckInMaintenanceAsync(string technician, CancellationToken cancellationToken = default);
}
