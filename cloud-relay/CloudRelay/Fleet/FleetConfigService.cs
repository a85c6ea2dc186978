using System.Text;
using System.Text.Json.Nodes;
using CloudRelay.Database;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Fleet;
using Microsoft.Extensions.Logging;

namespace CloudRelay.Fleet;

/// <summary>A layer stored: its target as printed and the revision it took (the new version of every device it covers).</summary>
public sealed record FleetChange(string Target, long Version);

/// <summary>The answer to a set or clear: the change, or the lines that refused it (nothing was stored then).</summary>
public sealed record FleetChangeResult(FleetChange? Change, IReadOnlyList<string> Problems, bool NotFound = false)
{
    public static FleetChangeResult Refused(params string[] problems) => new(null, problems);
}

/// <summary>What <c>fleet config show</c> and its endpoint tell about one device.</summary>
public sealed record FleetDeviceConfig(DesiredConfig? Desired, FleetReportRecord? Reported);

/// <summary>
/// Setting, clearing and reading fleet configuration layers: the one service the CLI, the REST API (and later the
/// console) call. A layer is refused whole, with one line per problem, for a bad target, a body that is not a JSON
/// object within <see cref="FleetDocument.MaxBytes"/>, a key no layer may set (<see cref="FleetKeys"/>), or a merged
/// document of some device it covers that would pass <see cref="FleetDocument.MaxBytes"/>.
/// </summary>
public sealed partial class FleetConfigService(IFleetStore store, IRelayStore relay, TimeProvider time, ILogger<FleetConfigService> logger)
{
    /// <summary>Raised after a change stored by this process, so its delivery reacts at once rather than at the next poll.</summary>
    public event Action? Changed;

    public async Task<FleetChangeResult> SetAsync(string? target, string body, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!FleetTarget.TryParse(target, out var parsed, out var targetProblem))
        {
            return FleetChangeResult.Refused(targetProblem!);
        }

        var size = Encoding.UTF8.GetByteCount(body);
        if (size > FleetDocument.MaxBytes)
        {
            return Refuse(parsed, [$"layer for '{parsed}' of {size} bytes is refused; expected at most {FleetDocument.MaxBytes}"]);
        }

        if (!FleetDocument.TryParse(body, out var layer, out var bodyProblem))
        {
            return Refuse(parsed, [$"layer for '{parsed}' is refused: {bodyProblem}"]);
        }

        if (FleetKeys.Problems(layer!) is { Count: > 0 } keys)
        {
            return Refuse(parsed, keys);
        }

        if (await OversizedAsync(parsed, layer!, cancellationToken) is { } oversized)
        {
            return Refuse(parsed, [oversized]);
        }

        var version = await store.SetLayerAsync(parsed, layer!, actor, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        var printed = parsed.ToString();
        Log.LayerSet(logger, printed, version, actor);
        Changed?.Invoke();
        return new FleetChangeResult(new FleetChange(printed, version), []);
    }

    public async Task<FleetChangeResult> ClearAsync(string? target, string actor, CancellationToken cancellationToken)
    {
        if (!FleetTarget.TryParse(target, out var parsed, out var targetProblem))
        {
            return FleetChangeResult.Refused(targetProblem!);
        }

        if (await store.ClearLayerAsync(parsed, actor, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken) is not { } version)
        {
            return new FleetChangeResult(null, [$"target '{parsed}' has no fleet layer to clear; expected one listed by 'fleet config list'"], NotFound: true);
        }

        var cleared = parsed.ToString();
        Log.LayerCleared(logger, cleared, version, actor);
        Changed?.Invoke();
        return new FleetChangeResult(new FleetChange(cleared, version), []);
    }

    public Task<IReadOnlyList<FleetLayerRecord>> ListAsync(CancellationToken cancellationToken) => store.ListLayersAsync(cancellationToken);

    /// <summary>A registered device's desired and reported configuration; null for a device the relay does not know.</summary>
    public async Task<FleetDeviceConfig?> ShowAsync(string site, string device, CancellationToken cancellationToken)
    {
        if (!DeviceNames.IsValid(site) || !DeviceNames.IsValid(device) || await relay.FindDeviceAsync(site, device, cancellationToken) is null)
        {
            return null;
        }

        return new FleetDeviceConfig(
            FleetDesired.Of(await store.LayersForAsync(site, device, cancellationToken)),
            await store.FindReportedAsync(site, device, cancellationToken));
    }

    public Task<IReadOnlyList<FleetDeviceRow>> DevicesAsync(string? site, CancellationToken cancellationToken) =>
        store.ListFleetDevicesAsync(string.IsNullOrEmpty(site) ? null : site, cancellationToken);

    /// <summary>
    /// The merged document of each kind of device the new layer covers, by the layers, not the devices: a device with
    /// no layer of its own merges like any other device of its site, so setting <c>all</c> costs one merge per layer.
    /// </summary>
    private async Task<string?> OversizedAsync(FleetTarget target, JsonObject layer, CancellationToken cancellationToken)
    {
        var layers = (await store.ListLayersAsync(cancellationToken)).Where(l => l.Target != target).ToList();
        layers.Add(new FleetLayerRecord(target, layer, 0, 0, string.Empty));
        // Names no real device has ("" is never valid) stand for "any other device of that site" and "any other site".
        var representatives = layers.Select(l => (Site: l.Target.Site ?? string.Empty, Device: l.Target.Device ?? string.Empty)).Distinct();
        foreach (var (site, device) in representatives.Where(r => target.Covers(r.Site, r.Device)))
        {
            var merged = FleetDesired.Of(FleetDesired.Covering(layers, site, device))!.Document;
            var bytes = FleetDocument.Bytes(merged).Length;
            if (bytes > FleetDocument.MaxBytes)
            {
                var who = device.Length > 0 ? $"device {site}/{device}" : site.Length > 0 ? $"the devices of site {site}" : "every device";
                return $"layer for '{target}' is refused: the merged configuration of {who} would be {bytes} bytes; expected at most {FleetDocument.MaxBytes}";
            }
        }

        return null;
    }

    private FleetChangeResult Refuse(FleetTarget target, IReadOnlyList<string> problems)
    {
        var printed = target.ToString();
        Log.LayerRefused(logger, printed, problems[0]);
        return new FleetChangeResult(null, problems);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.FleetLayerSet, Level = LogLevel.Information, Message = "Fleet layer {Target} set by {Actor}: version {Version}")]
        public static partial void LayerSet(ILogger logger, string target, long version, string actor);

        [LoggerMessage(EventId = RelayLogEvents.FleetLayerCleared, Level = LogLevel.Information, Message = "Fleet layer {Target} cleared by {Actor}: version {Version}")]
        public static partial void LayerCleared(ILogger logger, string target, long version, string actor);

        [LoggerMessage(EventId = RelayLogEvents.FleetLayerRefused, Level = LogLevel.Warning, Message = "Fleet layer {Target} refused, nothing stored: {Problem}")]
        public static partial void LayerRefused(ILogger logger, string target, string problem);
    }
}
