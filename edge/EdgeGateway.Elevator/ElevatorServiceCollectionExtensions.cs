using System.Device.Gpio;
using EdgeGateway.Core;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Configuration;
using EdgeGateway.Core.Health;
using EdgeGateway.Elevator.Hardware;
using EdgeGateway.Elevator.Maintenance;
using EdgeGateway.Elevator.Service;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Elevator;

/// <summary>DI wiring of the elevator monitor.</summary>
public static class ElevatorServiceCollectionExtensions
{
    /// <summary>
    /// Registers the elevator monitor: options (section <c>Elevator</c>, validated at start), the
    /// board profile, a <see cref="GpioController"/> on the injected <see cref="GpioDriver"/>,
    /// inputs, outputs, the motion sensors on the injected <see cref="ElevatorI2cDevices"/>,
    /// fusion, the sampler (producer) and the single consumer hosted services, the maintenance
    /// log under <c>Storage:DataDir</c>, and <see cref="IElevatorMonitor"/>.
    /// The caller registers <see cref="GpioDriver"/> and <see cref="ElevatorI2cDevices"/> for the
    /// board chosen by <c>Elevator:Board</c> (the host's <c>AddElevatorBoard</c>), and an
    /// <see cref="IAlertSink"/>.
    /// </summary>
    public static IServiceCollection AddEdgeElevator(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ElevatorOptions>().BindConfiguration(ElevatorOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ElevatorOptions>, ElevatorOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => new MaintenanceLog(StorageOptions.DataDirIn(configuration)));
        services.TryAddSingleton(sp => BoardProfileLoader.Load(ProfilePath(sp.GetRequiredService<IOptions<ElevatorOptions>>().Value)));
        services.TryAddSingleton(sp => new GpioController(sp.GetRequiredService<GpioDriver>()));
        services.TryAddSingleton<ElevatorInputs>();
        services.TryAddSingleton<IElevatorOutputs, GpioElevatorOutputs>();
        services.TryAddSingleton(sp => new MotionSensors(sp.GetRequiredService<ElevatorI2cDevices>()));
        services.TryAddSingleton(_ => new FloorMemory(StorageOptions.DataDirIn(configuration)));
        services.TryAddSingleton(_ => new StatisticsStore(StorageOptions.DataDirIn(configuration)));
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ElevatorOptions>>().Value;
            var remembered = sp.GetRequiredService<FloorMemory>().Load();
            var start = remembered is { } floor && floor >= options.BottomFloor && floor <= options.TopFloor ? floor : options.BottomFloor;
            return new SensorFusion(options, start);
        });
        services.TryAddSingleton(sp => new VibrationMeter(sp.GetRequiredService<IOptions<ElevatorOptions>>().Value.VibrationWindow));
        services.TryAddSingleton<HardwareSampler>();
        services.TryAddSingleton<ElevatorEventChannel>();
        services.TryAddSingleton<ElevatorMonitor>();
        services.TryAddSingleton<IElevatorMonitor>(sp => sp.GetRequiredService<ElevatorMonitor>());
        services.TryAddSingleton<ElevatorSampleCounter>();
        services.AddHostedService<HardwareSamplerService>();
        services.AddHostedService<ElevatorMonitorService>();
        return services;
    }

    /// <summary>
    /// Wraps the registered <see cref="IAlertSink"/> in <see cref="EbikeResponder"/>, so an
    /// <c>ebike_in_car</c> alert from any source drives the door-hold relay and voice prompt.
    /// Call after the alert sink is registered.
    /// </summary>
    public static IServiceCollection AddEbikeResponder(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var original = services.LastOrDefault(d => d.ServiceType == typeof(IAlertSink))
            ?? throw new InvalidOperationException("AddEbikeResponder: register an IAlertSink first");
        services.Remove(original);
        services.Add(ServiceDescriptor.Describe(typeof(IAlertSink), sp => new EbikeResponder(
            Inner(sp, original),
            sp.GetRequiredService<IElevatorOutputs>(),
            sp.GetRequiredService<IOptions<ElevatorOptions>>(),
            sp.GetRequiredService<ILogger<EbikeResponder>>()), original.Lifetime));
        return services;
    }

    private static IAlertSink Inner(IServiceProvider sp, ServiceDescriptor original) =>
        original.ImplementationInstance as IAlertSink
        ?? (IAlertSink?)original.ImplementationFactory?.Invoke(sp)
        ?? (IAlertSink)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!);

    /// <summary>
    /// <c>Elevator:BoardProfile</c> if set, else <c>hardware/profiles/&lt;Board&gt;.json</c> beside
    /// the application (the profiles are copied to the output) or in the checkout (<see cref="GatewayPaths.BoardProfile"/>).
    /// </summary>
    public static string ProfilePath(ElevatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.BoardProfile.Length > 0 ? options.BoardProfile : GatewayPaths.BoardProfile(options.Board);
    }
}
