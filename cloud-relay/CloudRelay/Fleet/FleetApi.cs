using System.Text;
using System.Text.Json.Nodes;
using CloudRelay.Api;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Fleet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CloudRelay.Fleet;

/// <summary>Why a layer was refused: one line per problem.</summary>
public sealed record FleetErrors(IReadOnlyList<string> Errors);

/// <summary>
/// <c>/api/fleet</c>: set and clear layers (scope <c>fleet</c>), read layers, a device's desired and reported
/// configuration and the fleet list (scope <c>read</c> or <c>fleet</c>). The handlers take the actor from the caller
/// the group's filter authenticated, so the console can map them again under its own session check.
/// </summary>
public static class FleetApi
{
    public static IEndpointRouteBuilder MapFleetApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        MapReads(endpoints.MapGroup("/api/fleet").AddEndpointFilter(RelayApi.RequireScope(ApiScopes.Read, ApiScopes.Fleet)));
        MapWrites(endpoints.MapGroup("/api/fleet").AddEndpointFilter(RelayApi.RequireScope(ApiScopes.Fleet)));
        return endpoints;
    }

    public static RouteGroupBuilder MapReads(RouteGroupBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        group.MapGet("/config", async (FleetConfigService fleet, CancellationToken cancellationToken) =>
            TypedResults.Ok(FleetViews.Layers(await fleet.ListAsync(cancellationToken))));
        group.MapGet("/devices/{site}/{device}/config", ShowAsync);
        group.MapGet("/devices", async (string? site, FleetConfigService fleet, CancellationToken cancellationToken) =>
            TypedResults.Ok(FleetViews.Devices(await fleet.DevicesAsync(site, cancellationToken))));
        return group;
    }

    public static RouteGroupBuilder MapWrites(RouteGroupBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        // A device target holds a '/': taken whole, and also when sent encoded as %2F.
        group.MapPut("/config/{**target}", SetAsync);
        group.MapDelete("/config/{**target}", ClearAsync);
        return group;
    }

    private static async Task<Results<Ok<JsonObject>, NotFound<FleetErrors>>> ShowAsync(string site, string device, FleetConfigService fleet, CancellationToken cancellationToken) =>
        await fleet.ShowAsync(site, device, cancellationToken) is { } config
            ? TypedResults.Ok(FleetViews.Device(config))
            : TypedResults.NotFound(new FleetErrors([$"device '{site}/{device}' is not registered; expected one listed by GET /api/devices"]));

    private static async Task<Results<Ok<JsonObject>, BadRequest<FleetErrors>>> SetAsync(string target, HttpContext http, FleetConfigService fleet, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(http.Request, cancellationToken);
        if (body is null)
        {
            return TypedResults.BadRequest(new FleetErrors([$"layer of more than {FleetDocument.MaxBytes} bytes is refused; expected at most {FleetDocument.MaxBytes}"]));
        }

        var result = await fleet.SetAsync(Uri.UnescapeDataString(target), body, Actor(http), cancellationToken);
        return result.Change is { } change ? TypedResults.Ok(FleetViews.Change(change)) : TypedResults.BadRequest(new FleetErrors(result.Problems));
    }

    private static async Task<Results<Ok<JsonObject>, BadRequest<FleetErrors>, NotFound<FleetErrors>>> ClearAsync(string target, HttpContext http, FleetConfigService fleet, CancellationToken cancellationToken)
    {
        var result = await fleet.ClearAsync(Uri.UnescapeDataString(target), Actor(http), cancellationToken);
        return result switch
        {
            { Change: { } change } => TypedResults.Ok(FleetViews.Change(change)),
            { NotFound: true } => TypedResults.NotFound(new FleetErrors(result.Problems)),
            _ => TypedResults.BadRequest(new FleetErrors(result.Problems)),
        };
    }

    /// <summary>Who changed a layer, as the layer's <c>updated_by</c> keeps it.</summary>
    internal static string Actor(HttpContext http) => http.Items[RelayApi.CallerItem] is ApiCaller caller ? $"api:{caller.Name}" : "api";

    /// <summary>The body as text, or null past <see cref="FleetDocument.MaxBytes"/> (read no further than one byte beyond).</summary>
    private static async Task<string?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > FleetDocument.MaxBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > FleetDocument.MaxBytes)
            {
                return null;
            }
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
