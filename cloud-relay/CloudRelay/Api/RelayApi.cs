using System.Globalization;
using CloudRelay.Devices;
using CloudRelay.Evidence;
using CloudRelay.Ingest;
using CloudRelay.Settings;
using CloudRelay.Database;
using EdgeGateway.Contracts;
using EdgeGateway.Supervision.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CloudRelay.Api;

/// <summary>
/// The platform's REST API under <c>/api</c>, authenticated with <c>X-Api-Key</c> (or <c>Authorization: Bearer</c>).
/// The installer's claim endpoint is the one exception: the one-time code is its credential.
/// </summary>
public static class RelayApi
{
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>Where <see cref="RequireScope"/> leaves the authenticated <see cref="ApiCaller"/> for the endpoint.</summary>
    internal const string CallerItem = "cloud-relay.api-caller";

    public static IEndpointRouteBuilder MapRelayApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        // Probes: no API key, and only states and numbers.
        endpoints.MapGet("/healthz", (RelayHealth health) => Probe(health.Liveness()));
        endpoints.MapGet("/readyz", (RelayHealth health) => Probe(health.Readiness()));
        endpoints.MapPost("/api/devices/claim", ClaimAsync)
            .AddEndpointFilter((context, next) => context.HttpContext.RequestServices.GetRequiredService<ClaimRateLimit>().InvokeAsync(context, next));

        var read = endpoints.MapGroup("/api").AddEndpointFilter(RequireScope(ApiScopes.Read));
        read.MapGet("/alerts", QueryAlertsAsync);
        read.MapGet("/stats", StatsAsync);
        var devices = endpoints.MapGroup("/api").AddEndpointFilter(RequireScope(ApiScopes.Devices));
        devices.MapPost("/devices", AddDeviceAsync);
        devices.MapPost("/devices/{site}/{device}/claim-code", CreateClaimCodeAsync);
        // Listing devices is reading, and installer tooling needs it too.
        endpoints.MapGet("/api/devices", ListDevicesAsync).AddEndpointFilter(RequireScope(ApiScopes.Read, ApiScopes.Devices));
        // A case's evidence: whoever handles cases sees the snapshots they reference.
        endpoints.MapGet("/api/alerts/{id:guid}/snapshot", GetSnapshotAsync).AddEndpointFilter(RequireScope(ApiScopes.Read, ApiScopes.Cases));
        endpoints.MapCaseApi();
        endpoints.MapEvidenceApi();
        Fleet.FleetApi.MapFleetApi(endpoints);
        return endpoints;
    }

    private static JsonHttpResult<HealthReport> Probe(HealthReport report) =>
        TypedResults.Json(report, statusCode: report.Ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);

    /// <summary>401 without a known key; 403 when the key's scope is not one of <paramref name="scopes"/> (admin always is).</summary>
    internal static Func<EndpointFilterInvocationContext, EndpointFilterDelegate, ValueTask<object?>> RequireScope(params string[] scopes) =>
        async (context, next) =>
        {
            var http = context.HttpContext;
            string? given = http.Request.Headers[ApiKeyHeader];
            if (string.IsNullOrEmpty(given) && http.Request.Headers.Authorization.ToString() is { } authorization
                && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                given = authorization["Bearer ".Length..].Trim();
            }

            var caller = await http.RequestServices.GetRequiredService<ApiKeys>().AuthenticateAsync(given, http.RequestAborted);
            if (caller is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized,
                    title: "API key missing or wrong", detail: $"send the platform's key in the {ApiKeyHeader} header");
            }

            if (!scopes.Any(needed => ApiScopes.Allows(caller.Scope, needed)))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
                    title: "API key not allowed here", detail: $"this key's scope is '{caller.Scope}'; this endpoint needs {string.Join(" or ", scopes)} (or admin)");
            }

            http.Items[CallerItem] = caller;
            return await next(context);
        };

    private static async Task<Results<Ok<AlertPageView>, ProblemHttpResult>> QueryAlertsAsync(
        IRelayStore store, string? site, string? device, string? kind, string? state, string? since, string? after, int? limit,
        CancellationToken cancellationToken)
    {
        AlertState? parsedState = state switch
        {
            null or "" => null,
            "raised" => AlertState.Raised,
            "cleared" => AlertState.Cleared,
            _ => (AlertState)(-1),
        };
        if (parsedState == (AlertState)(-1))
        {
            return BadRequest($"state '{state}' is invalid; expected raised or cleared");
        }

        long? sinceMs = null;
        if (!string.IsNullOrEmpty(since))
        {
            if (long.TryParse(since, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            {
                sinceMs = ms;
            }
            else if (DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                sinceMs = at.ToUnixTimeMilliseconds();
            }
            else
            {
                return BadRequest($"since '{since}' is invalid; expected unix milliseconds or an ISO-8601 time");
            }
        }

        if (PageProblem(after, limit, out var afterPosition) is { } pageProblem)
        {
            return BadRequest(pageProblem);
        }

        var page = await store.QueryAlertsAsync(
            new AlertQuery(Empty(site), Empty(device), Empty(kind), parsedState, sinceMs, afterPosition, limit ?? 100), cancellationToken);
        return TypedResults.Ok(new AlertPageView(
            page.Items.Select(AlertView.From).ToList(),
            page.Next?.ToString(CultureInfo.InvariantCulture)));
    }

    private static async Task<Results<PhysicalFileHttpResult, NotFound>> GetSnapshotAsync(
        Guid id, IRelayStore store, IOptions<RelayOptions> options, CancellationToken cancellationToken)
    {
        // Find the alert's device first, so the id alone never names a path.
        var match = await store.FindAlertAsync(id, cancellationToken);
        var path = match is null ? null : DeviceMessageIngestor.SnapshotPath(Path.GetFullPath(options.Value.DataDir), match.Alert.SiteId, match.Alert.DeviceId, id);
        return path is not null && File.Exists(path) ? TypedResults.PhysicalFile(path, "image/jpeg") : TypedResults.NotFound();
    }

    private static async Task<Ok<List<DeviceView>>> ListDevicesAsync(DeviceRegistry devices, CancellationToken cancellationToken) =>
        TypedResults.Ok((await devices.ListAsync(cancellationToken)).Select(DeviceView.From).ToList());

    /// <summary>
    /// Registers a new device. A device some box already holds is 409: only an admin key may renew it
    /// (<c>?renew=true</c>), which gives it a new token and ends the old one and its sessions.
    /// </summary>
    private static async Task<Results<Created<CredentialsView>, ProblemHttpResult>> AddDeviceAsync(
        DeviceRequest request, bool? renew, DeviceRegistry devices, HttpContext context, CancellationToken cancellationToken)
    {
        if (!DeviceNames.IsValid(request.Site) || !DeviceNames.IsValid(request.Device))
        {
            return BadRequest(!DeviceNames.IsValid(request.Site) ? DeviceNames.Describe("site", request.Site) : DeviceNames.Describe("device", request.Device));
        }

        if (request.ClientId is { } clientId && ClientIds.Problem(request.Site!, request.Device!, clientId) is { } problem)
        {
            return BadRequest(problem);
        }

        if (renew == true && context.Items[CallerItem] is ApiCaller { Scope: not ApiScopes.Admin } caller)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "API key not allowed here",
                detail: $"renew=true needs an admin key; this key's scope is '{caller.Scope}'");
        }

        try
        {
            var credentials = await devices.AddAsync(request.Site!, request.Device!, request.CertificateThumbprint, request.ClientId, renew == true, cancellationToken);
            return TypedResults.Created($"/api/devices/{credentials.Site}/{credentials.Device}", CredentialsView.From(credentials));
        }
        catch (DeviceTakenException ex)
        {
            return Conflict(ex.Message);
        }
    }

    private static async Task<Results<Ok<ClaimCodeView>, ProblemHttpResult>> CreateClaimCodeAsync(
        string site, string device, DeviceRegistry devices, CancellationToken cancellationToken)
    {
        if (!DeviceNames.IsValid(site) || !DeviceNames.IsValid(device))
        {
            return BadRequest(!DeviceNames.IsValid(site) ? DeviceNames.Describe("site", site) : DeviceNames.Describe("device", device));
        }

        try
        {
            var code = await devices.CreateClaimCodeAsync(site, device, cancellationToken: cancellationToken);
            return TypedResults.Ok(new ClaimCodeView(site, device, code));
        }
        catch (DeviceTakenException ex)
        {
            return Conflict(ex.Message);
        }
    }

    private static async Task<Results<Ok<ClaimView>, ProblemHttpResult>> ClaimAsync(
        ClaimRequest request, DeviceRegistry devices, DeviceSigningKeys keys, IOptions<RelayOptions> options, HttpContext context,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Code))
        {
            return BadRequest("code is missing; expected the claim code printed by 'cloud-relay devices claim-code'");
        }

        // A bad key is refused before the code is used up, so the installer can try again with the same code.
        if (request.PublicKey is { Length: > 0 } pem && DeviceSigningKeys.Check(pem, out var keyProblem) is null)
        {
            return BadRequest($"public_key: {keyProblem}");
        }

        // A device's registered key is never replaced by a claim: refused before the code is used up.
        if (request.PublicKey is { Length: > 0 } offered && await devices.FindClaimDeviceAsync(request.Code, cancellationToken) is { } claimed
            && await keys.ConflictAsync(claimed.Site, claimed.Device, offered, cancellationToken) is { } conflict)
        {
            return Conflict(conflict);
        }

        var credentials = await devices.ClaimAsync(request.Code, cancellationToken);
        if (credentials is not null && request.PublicKey is { Length: > 0 } publicKey)
        {
            try
            {
                await keys.RegisterAsync(credentials.Site, credentials.Device, publicKey, cancellationToken);
            }
            catch (DeviceTakenException ex)
            {
                // Another key was registered between the check and the claim: the credentials stand, the key does not.
                return Conflict(ex.Message);
            }
        }

        return credentials is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "claim code refused",
                detail: "the claim code is unknown, already used or expired; ask the operator for a new one")
            : TypedResults.Ok(Claimed(credentials, ClaimBroker.For(options.Value, context.Request.Host.Host)));
    }

    private static ClaimView Claimed(DeviceCredentials credentials, (string? Broker, string? CaSha256, string? CaPem) broker) =>
        new(credentials.Site, credentials.Device, credentials.Username, credentials.Password, broker.Broker, broker.CaSha256, broker.CaPem);

    private static async Task<Ok<StatsView>> StatsAsync(
        IRelayStore store, RelayCounters counters, DeviceRegistry devices, IOptions<RelayOptions> options, CancellationToken cancellationToken)
    {
        var all = await devices.ListAsync(cancellationToken);
        return TypedResults.Ok(new StatsView(
            new IngestStatsView(counters.Received, counters.Stored, counters.Duplicates, counters.Rejected, counters.RejectsByReason,
                counters.StoreFailures, counters.AuthFailures, counters.Limits),
            new StorageStatsView(store.Kind, await store.CountAlertsAsync(cancellationToken)),
            new ForwardStatsView(!string.IsNullOrWhiteSpace(options.Value.Webhook.Url), await store.ForwardBacklogAsync(cancellationToken),
                counters.Forwarded, counters.ForwardFailures, counters.ForwardDeadLetters),
            new DeviceStatsView(all.Count, all.Count(d => d.Online))));
    }

    /// <summary>The paging parameters every list shares: <c>after</c> (the previous page's <c>next</c>) and <c>limit</c> 1-1000.</summary>
    internal static string? PageProblem(string? after, int? limit, out long? afterPosition)
    {
        afterPosition = null;
        if (!string.IsNullOrEmpty(after))
        {
            if (!long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var position))
            {
                return $"after '{after}' is invalid; expected the 'next' value of the previous page";
            }

            afterPosition = position;
        }

        return limit is < 1 or > 1000 ? $"limit '{limit}' is invalid; expected 1-1000" : null;
    }

    internal static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "conflict", detail: detail);

    internal static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "bad request", detail: detail);

    internal static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
