using CloudRelay.Settings;
using CloudRelay.Health;
using CloudRelay.Database;
using EdgeGateway.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace CloudRelay.OperatorConsole;

/// <summary>The health pages (every role reads them): every device's latest report judged by area, and one device's last 24 h.</summary>
public static partial class ConsoleEndpoints
{
    private static async Task<IResult> HealthAsync(string? site, HttpContext http, ConsoleSessions sessions, IHealthStore store,
        IOptions<RelayOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await sessions.FindAsync(http, cancellationToken) is not { } user)
        {
            return ToLogin(http);
        }

        var t = ConsoleText.For(http, user.Language);
        site = string.IsNullOrWhiteSpace(site) ? null : site.Trim();
        if (site is not null && !DeviceNames.IsValid(site))
        {
            return Page(ConsolePages.Health(t, user, site, [], $"site '{site}' is invalid; {DeviceNames.Expected}"), StatusCodes.Status400BadRequest);
        }

        var rows = HealthView.Rows(await store.ListHealthAsync(site, cancellationToken), options.Value.Fleet.HealthInterval,
            time.GetUtcNow().ToUnixTimeMilliseconds());
        return Page(ConsolePages.Health(t, user, site, rows, null));
    }

    private static async Task<IResult> HealthDeviceAsync(string site, string device, HttpContext http, ConsoleSessions sessions, IHealthStore store,
        IOptions<RelayOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await sessions.FindAsync(http, cancellationToken) is not { } user)
        {
            return ToLogin(http);
        }

        var t = ConsoleText.For(http, user.Language);
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var row = DeviceNames.IsValid(site) && DeviceNames.IsValid(device)
            ? HealthView.Rows(await store.ListHealthAsync(site, cancellationToken), options.Value.Fleet.HealthInterval, nowMs).FirstOrDefault(r => r.Device == device)
            : null;
        if (row is null)
        {
            return Page(ConsolePages.Message(t, user, t["health.device_not_found"]), StatusCodes.Status404NotFound);
        }

        var sinceMs = nowMs - (long)HealthIngest.History.TotalMilliseconds;
        var history = new List<(long Ms, EdgeGateway.Contracts.Telemetry.HealthReport Report)>();
        foreach (var point in await store.HealthHistoryAsync(site, device, sinceMs, cancellationToken))
        {
            if (EdgeGateway.Contracts.Telemetry.HealthReport.TryDecode(point.Report, out var report, out _))
            {
                history.Add((point.ReceivedMs, report!));
            }
        }

        return Page(ConsolePages.HealthDevice(t, user, row, history, sinceMs, nowMs));
    }
}
