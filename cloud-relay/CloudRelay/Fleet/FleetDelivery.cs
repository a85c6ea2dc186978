using System.Threading.Channels;
using CloudRelay.Settings;
using CloudRelay.Database;
using EdgeGateway.Contracts.Fleet;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudRelay.Fleet;

/// <summary>A broker head that can hand a device its desired configuration (the embedded broker, or the shared subscriber's client).</summary>
public interface IFleetPublisher
{
    /// <summary>Raised when a device can receive its desired configuration now: it subscribed to it, or came online.</summary>
    event Action<string, string>? DeviceReady;

    /// <summary>The devices a publish can reach now.</summary>
    Task<IReadOnlyCollection<(string Site, string Device)>> ReachableAsync(CancellationToken cancellationToken);

    /// <summary>Publishes <paramref name="payload"/> on the device's <c>config/desired</c>, QoS 1, not retained.</summary>
    Task PublishDesiredAsync(string site, string device, byte[] payload, CancellationToken cancellationToken);
}

/// <summary>
/// Sends each reachable device its desired configuration while the version it last reported differs: after every
/// change of the layers (at once for a change made in this process, within <c>Relay:Fleet:PollInterval</c> for one the
/// CLI or another instance made) and whenever a device subscribes to its <c>config/desired</c> (or, with an external
/// broker, comes online). Sends go out in batches of <c>Relay:Fleet:DeliveryBatch</c> from this service's own loop,
/// so ingest never waits on them.
/// </summary>
public sealed partial class FleetDelivery(
    IFleetStore store,
    FleetConfigService service,
    IFleetPublisher publisher,
    IOptions<RelayOptions> options,
    TimeProvider time,
    ILogger<FleetDelivery> logger) : BackgroundService
{
    private readonly SemaphoreSlim _changed = new(0, 1);
    private readonly Channel<(string Site, string Device)> _ready = Channel.CreateUnbounded<(string, string)>(new UnboundedChannelOptions { SingleReader = true });
    private long _delivered;

    /// <summary>Desired configurations handed to the broker since start.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        service.Changed += OnChanged;
        publisher.DeviceReady += OnDeviceReady;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        service.Changed -= OnChanged;
        publisher.DeviceReady -= OnDeviceReady;
        _ready.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _changed.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken) =>
        await Task.WhenAll(SweepLoopAsync(stoppingToken), ReadyLoopAsync(stoppingToken));

    private void OnChanged()
    {
        try
        {
            _changed.Release();
        }
        catch (SemaphoreFullException)
        {
            // A sweep is already due.
        }
        catch (ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private void OnDeviceReady(string site, string device) => _ready.Writer.TryWrite((site, device));

    /// <summary>After each change of the layers: every reachable device whose reported version differs.</summary>
    private async Task SweepLoopAsync(CancellationToken cancellationToken)
    {
        var seen = -1L;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var revision = await store.FleetRevisionAsync(cancellationToken);
                if (revision != seen)
                {
                    await SweepAsync(cancellationToken);
                    seen = revision;
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var delay = Task.Delay(options.Value.Fleet.PollInterval, time, wait.Token);
                var changed = _changed.WaitAsync(wait.Token);
                await Task.WhenAny(delay, changed);
                await wait.CancelAsync();
                await Task.WhenAll(delay, changed).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Tried again at the next poll: the revision seen is not moved.
                Log.Failed(logger, ex.Message);
                await Task.Delay(options.Value.Fleet.PollInterval, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var reachable = (await publisher.ReachableAsync(cancellationToken)).ToHashSet();
        if (reachable.Count == 0)
        {
            return;
        }

        var layers = await store.ListLayersAsync(cancellationToken);
        var due = (await store.ListFleetDevicesAsync(null, cancellationToken))
            .Where(d => d.DesiredVersion > 0 && d.DesiredVersion != d.Reported?.Report.Version && reachable.Contains((d.Site, d.Device)))
            .Select(d => (d.Site, d.Device))
            .ToList();
        await DeliverAsync(layers, due, cancellationToken);
    }

    /// <summary>Devices that subscribed (or came online), taken a batch at a time.</summary>
    private async Task ReadyLoopAsync(CancellationToken cancellationToken)
    {
        var batch = new List<(string Site, string Device)>();
        try
        {
            while (await _ready.Reader.WaitToReadAsync(cancellationToken))
            {
                batch.Clear();
                while (batch.Count < options.Value.Fleet.DeliveryBatch && _ready.Reader.TryRead(out var device))
                {
                    batch.Add(device);
                }

                try
                {
                    var layers = await store.ListLayersAsync(cancellationToken);
                    var due = new List<(string Site, string Device)>();
                    foreach (var (site, device) in batch.Distinct())
                    {
                        if (FleetDesired.Of(FleetDesired.Covering(layers, site, device)) is { } desired
                            && (await store.FindReportedAsync(site, device, cancellationToken))?.Report.Version != desired.Version)
                        {
                            due.Add((site, device));
                        }
                    }

                    await DeliverAsync(layers, due, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    // The device gets it with the next change or when it subscribes again.
                    Log.Failed(logger, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(IReadOnlyList<FleetLayerRecord> layers, List<(string Site, string Device)> devices, CancellationToken cancellationToken)
    {
        if (devices.Count == 0)
        {
            return;
        }

        // Devices under the same layers share one merged document: a site of 1,000 boxes is merged and encoded once.
        var encoded = new Dictionary<string, (long Version, byte[] Payload)>(StringComparer.Ordinal);
        var batchSize = options.Value.Fleet.DeliveryBatch;
        var sent = 0;
        foreach (var chunk in devices.Chunk(batchSize))
        {
            var sends = new List<Task>(chunk.Length);
            foreach (var (site, device) in chunk)
            {
                var covering = FleetDesired.Covering(layers, site, device).ToList();
                var key = string.Join('|', covering.Select(l => l.Target.ToString()));
                if (!encoded.TryGetValue(key, out var desired))
                {
                    var config = FleetDesired.Of(covering);
                    if (config is null)
                    {
                        continue;
                    }

                    desired = (config.Version, config.Encode());
                    encoded[key] = desired;
                }

                sends.Add(SendAsync(site, device, desired.Payload, cancellationToken));
            }

            await Task.WhenAll(sends);
            sent += sends.Count;
            Interlocked.Add(ref _delivered, sends.Count);
            // Let ingest's work run between batches.
            await Task.Yield();
        }

        Log.Delivered(logger, sent);
    }

    /// <summary>One device's send; a device gone meanwhile gets it when it subscribes again, and the others are not held up.</summary>
    private async Task SendAsync(string site, string device, byte[] payload, CancellationToken cancellationToken)
    {
        try
        {
            await publisher.PublishDesiredAsync(site, device, payload, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            Log.Failed(logger, $"{site}/{device}: {ex.Message}");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.FleetDelivered, Level = LogLevel.Debug, Message = "Sent the desired fleet configuration to {Count} devices")]
        public static partial void Delivered(ILogger logger, int count);

        [LoggerMessage(EventId = RelayLogEvents.FleetDeliveryFailed, Level = LogLevel.Warning, Message = "Delivering fleet configuration failed, tried again at the next change or subscription: {Error}")]
        public static partial void Failed(ILogger logger, string error);
    }
}
