using EdgeGateway.Core;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Health;
using EdgeGateway.Core.Publishing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeGateway.Host.Diagnostics;

/// <summary>
/// The parts of the gateway the page reads, each optional: a kitchen box has cameras and no
/// elevator, a machine-room box may have no camera at all.
/// </summary>
internal sealed class GatewayParts(IServiceProvider services, IConfiguration configuration)
{
    private readonly Lazy<ICameraMonitor?> _cameras = new(services.GetService<ICameraMonitor>);
    private readonly Lazy<IElevatorMonitor?> _elevator = new(services.GetService<IElevatorMonitor>);
    private readonly Lazy<IUplinkMonitor?> _uplink = new(services.GetService<IUplinkMonitor>);
    private readonly Lazy<IAlertSink?> _alertSink = new(services.GetService<IAlertSink>);
    private readonly Lazy<AlertPublisher?> _publisher = new(() =>
        services.GetService<AlertPublisher>() ?? services.GetService<IAlertSink>() as AlertPublisher);

    private readonly Lazy<DeviceIdentity> _identity = new(() =>
        services.GetService<DeviceIdentity>()
        ?? new DeviceIdentity(configuration["Device:Id"] ?? "unprovisioned", configuration["Device:Site"] ?? "unprovisioned"));

    public ICameraMonitor? Cameras => _cameras.Value;

    public IElevatorMonitor? Elevator => _elevator.Value;

    public IUplinkMonitor? Uplink => _uplink.Value;

    public IAlertSink? AlertSink => _alertSink.Value;

    public AlertPublisher? Publisher => _publisher.Value;

    public DeviceIdentity Identity => _identity.Value;
}
