using System.Text.Json.Nodes;
using CloudRelay.Fleet;
using CloudRelay.Database;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Fleet;
using Microsoft.AspNetCore.Http;

namespace CloudRelay.OperatorConsole;

/// <summary>
/// The fleet pages: every device's configuration status and the layers (every role reads them), one device's desired
/// document and report, and the layer editor (admins only): preview a side-by-side diff, then save or clear through
/// <see cref="FleetConfigService"/> as <c>console:&lt;operator&gt;</c>, so its checks and its lines are the CLI's and the API's.
/// </summary>
public static partial class ConsoleEndpoints
{
    /// <summary>A layer as a form: its text may reach <see cref="FleetDocument.MaxBytes"/> and URL-encoding may triple it.</summary>
    private const long LayerFormLimit = (3L * FleetDocument.MaxBytes) + FormOverhead;

    private static async Task<IResult> FleetAsync(string? site, string? status, HttpContext http, ConsoleSessions sessions, FleetConfigService fleet,
        CancellationToken cancellationToken)
    {
        if (await sessions.FindAsync(http, cancellationToken) is not { } user)
        {
            return ToLogin(http);
        }

        var t = ConsoleText.For(http, user.Language);
        site = string.IsNullOrWhiteSpace(site) ? null : site.Trim();
        status = string.IsNullOrWhiteSpace(status) ? null : status.Trim();
        var filter = new FleetFilter(site, status);
        if (site is not null && !DeviceNames.IsValid(site))
        {
            return Page(ConsolePages.Fleet(t, user, filter, [], [], $"site '{site}' is invalid; {DeviceNames.Expected}"), StatusCodes.Status400BadRequest);
        }

        if (status is not null && !FleetFilter.Statuses.Contains(status))
        {
            return Page(ConsolePages.Fleet(t, user, filter, [], [], $"status '{status}' is unknown; expected one of {string.Join(", ", FleetFilter.Statuses)}"),
                StatusCodes.Status400BadRequest);
        }

        var rows = await fleet.DevicesAsync(site, cancellationToken);
        var layers = (await fleet.ListAsync(cancellationToken))
            .Where(l => l.Document is not null && (site is null || l.Target.Scope == FleetScope.All || l.Target.Site == site))
            .ToList();
        return Page(ConsolePages.Fleet(t, user, filter, rows, layers, null));
    }

    private static async Task<IResult> FleetDeviceAsync(string site, string device, HttpContext http, ConsoleSessions sessions, FleetConfigService fleet,
        CancellationToken cancellationToken)
    {
        if (await sessions.FindAsync(http, cancellationToken) is not { } user)
        {
            return ToLogin(http);
        }

        var t = ConsoleText.For(http, user.Language);
        return await fleet.ShowAsync(site, device, cancellationToken) is { } config
            ? Page(ConsolePages.FleetDevice(t, user, site, device, config))
            : Page(ConsolePages.Message(t, user, t["fleet.device_not_found"]), StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> LayerEditorAsync(string? target, HttpContext http, ConsoleSessions sessions, FleetConfigService fleet,
        CancellationToken cancellationToken)
    {
        if (await sessions.FindAsync(http, cancellationToken) is not { } user)
        {
            return ToLogin(http);
        }

        var t = ConsoleText.For(http, user.Language);
        if (!user.MayEditFleet)
        {
            return Forbidden(http, user, t);
        }

        if (!FleetTarget.TryParse(target, out var parsed, out var problem))
        {
            return Page(ConsolePages.LayerEditor(t, user, new LayerEdit(target ?? string.Empty, string.Empty, null, [problem!], null)), StatusCodes.Status400BadRequest);
        }

        var layers = await fleet.ListAsync(cancellationToken);
        var own = Own(layers, parsed);
        return Page(ConsolePages.LayerEditor(t, user, new LayerEdit(parsed.ToString(), LineDiff.Print(own?.Document), LiveVersion(own), [], null)));
    }

    /// <summary>The diff of what is in force against what the text would make it, shown with the button that saves that very text.</summary>
    private static async Task<IResult> PreviewLayerAsync(HttpContext http, ConsoleSessions sessions, FleetConfigService fleet, CancellationToken cancellationToken)
    {
        var (user, form, refusal) = await FleetFormAsync(http, sessions, cancellationToken);
        if (user is null || form is null)
        {
            return refusal!;
        }

        var t = ConsoleText.For(http, user.Language);
        var (status, edit) = await PreviewAsync(form["target"].ToString(), form["layer"].ToString(), fleet, [], cancellationToken);
        return Page(ConsolePages.LayerEditor(t, user, edit), status);
    }

    private static async Task<IResult> SaveLayerAsync(HttpContext http, ConsoleSessions sessions, FleetConfigService fleet, CancellationToken cancellationToken)
    {
        var (user, form, refusal) = await FleetFormAsync(http, sessions, cancellationToken);
        if (user is null || form is null)
        {
            return refusal!;
        }

        var t = ConsoleText.For(http, user.Language);
        var target = form["target"].ToString();
        var text = form["layer"].ToString();
        // Saved only over what the diff was shown against: another admin's change in between shows a fresh diff instead.
        var targetHolds = FleetTarget.TryParse(target, out var parsed, out _);
        if (targetHolds && long.TryParse(form["base"], out var shownBase) && Before(await fleet.ListAsync(cancellationToken), parsed).Version != shownBase)
        {
            var (_, fresh) = await PreviewAsync(target, text, fleet, [t["fleet.layer_changed"]], cancellationToken);
            return Page(ConsolePages.LayerEditor(t, user, fresh), StatusCodes.Status409Conflict);
        }

        var result = await fleet.SetAsync(target, text, Actor(user), cancellationToken);
        if (result.Change is null)
        {
            var own = targetHolds ? Own(await fleet.ListAsync(cancellationToken), parsed) : null;
            return Page(ConsolePages.LayerEditor(t, user, new LayerEdit(target, text, LiveVersion(own), result.Problems, null)),
                StatusCodes.Status400BadRequest);
        }

        return Results.Redirect($"{Root}/fleet#layers");
    }

    private static async Task<IResult> ClearLayerAsync(HttpContext http, ConsoleSessions sessions, FleetConfigService fleet, CancellationToken cancellationToken)
    {
        var (user, form, refusal) = await FleetFormAsync(http, sessions, cancellationToken);
        if (user is null || form is null)
        {
            return refusal!;
        }

        var result = await fleet.ClearAsync(form["target"].ToString(), Actor(user), cancellationToken);
        if (result.Change is null)
        {
            var t = ConsoleText.For(http, user.Language);
            return Page(ConsolePages.LayerEditor(t, user, new LayerEdit(form["target"].ToString(), string.Empty, null, result.Problems, null)),
                result.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest);
        }

        return Results.Redirect($"{Root}/fleet#layers");
    }

    /// <summary>
    /// The editor with the diff, or with the lines that stop one: a bad target, text that is no JSON object, keys no
    /// layer may set (the contract's own checks, as the service makes them again on save).
    /// </summary>
    private static async Task<(int Status, LayerEdit Edit)> PreviewAsync(string target, string text, FleetConfigService fleet, IReadOnlyList<string> notes,
        CancellationToken cancellationToken)
    {
        if (!FleetTarget.TryParse(target, out var parsed, out var targetProblem))
        {
            return (StatusCodes.Status400BadRequest, new LayerEdit(target, text, null, [targetProblem!], null));
        }

        var layers = await fleet.ListAsync(cancellationToken);
        var own = Own(layers, parsed);
        var version = LiveVersion(own);
        if (!FleetDocument.TryParse(text, out var layer, out var bodyProblem))
        {
            return (StatusCodes.Status400BadRequest, new LayerEdit(parsed.ToString(), text, version, [.. notes, bodyProblem!], null));
        }

        if (FleetKeys.Problems(layer!) is { Count: > 0 } forbidden)
        {
            return (StatusCodes.Status400BadRequest, new LayerEdit(parsed.ToString(), text, version, [.. notes, .. forbidden], null));
        }

        var before = Before(layers, parsed);
        var after = parsed.Scope == FleetScope.Device
            ? FleetDesired.Of(FleetDesired.Covering([.. layers.Where(l => l.Target != parsed), new FleetLayerRecord(parsed, layer, 0, 0, string.Empty)],
                parsed.Site!, parsed.Device!))!.Document
            : layer;
        var diff = new LayerDiff(parsed.Scope == FleetScope.Device, before.Version, LineDiff.Of(LineDiff.Print(before.Document), LineDiff.Print(after)));
        return (StatusCodes.Status200OK, new LayerEdit(parsed.ToString(), text, version, notes, diff));
    }

    /// <summary>
    /// What the diff compares against and the version it had: for a device, its desired document (every layer that
    /// covers it); for a site or all, the layer alone. Version 0 while there is none.
    /// </summary>
    private static FleetBefore Before(IReadOnlyList<FleetLayerRecord> layers, FleetTarget target)
    {
        if (target.Scope == FleetScope.Device)
        {
            var desired = FleetDesired.Of(FleetDesired.Covering(layers, target.Site!, target.Device!));
            return new FleetBefore(desired?.Document, desired?.Version ?? 0);
        }

        var own = Own(layers, target);
        return new FleetBefore(own?.Document, own?.Revision ?? 0);
    }

    /// <summary>The layer's version while it has a document; null for no layer or a cleared one.</summary>
    private static long? LiveVersion(FleetLayerRecord? layer) => layer?.Document is null ? null : layer.Revision;

    private static FleetLayerRecord? Own(IReadOnlyList<FleetLayerRecord> layers, FleetTarget target) => layers.FirstOrDefault(l => l.Target == target);

    private static string Actor(ConsoleUser user) => $"console:{user.Name}";

    /// <summary>An admin's form with its CSRF token, read up to a layer's size; or the answer that refuses it.</summary>
    private static async Task<(ConsoleUser? User, IFormCollection? Form, IResult? Refusal)> FleetFormAsync(HttpContext http, ConsoleSessions sessions,
        CancellationToken cancellationToken)
    {
        if (await sessions.FindAsync(http, cancellationToken) is not { } user)
        {
            return (null, null, ToLogin(http));
        }

        var t = ConsoleText.For(http, user.Language);
        if (http.Request.ContentLength > LayerFormLimit)
        {
            return (user, null, Page(ConsolePages.Message(t, user, $"form of {http.Request.ContentLength} bytes is refused; expected a layer of at most {FleetDocument.MaxBytes} bytes"),
                StatusCodes.Status413PayloadTooLarge));
        }

        var form = await ReadFormAsync(http, LayerFormLimit, cancellationToken);
        if (form is null || !ConsoleSessions.CsrfHolds(http, user, form[ConsoleSessions.CsrfField]))
        {
            return (user, null, Refused(http, user, t, "CSRF token"));
        }

        return user.MayEditFleet ? (user, form, null) : (user, null, Forbidden(http, user, t));
    }

    private sealed record FleetBefore(JsonObject? Document, long Version);
}

/// <summary>The fleet list's filters: one site, one status word, <c>none</c> (never reported) or <c>behind</c> (not on its desired version).</summary>
internal sealed record FleetFilter(string? Site, string? Status)
{
    public const string None = FleetDeviceRow.NeverReported;
    public const string Behind = FleetDeviceRow.Behind;

    public static readonly IReadOnlyList<string> Statuses = [.. FleetConfigStatus.All, None, Behind];

    public bool Matches(FleetDeviceRow row) => Status switch
    {
        null => true,
        Behind => row.IsBehind,
        _ => row.Status == Status,
    };
}

/// <summary>The editor's state: target, text, the layer's live version (null when none), lines that refused it, and the diff once previewed.</summary>
internal sealed record LayerEdit(string Target, string Text, long? Version, IReadOnlyList<string> Problems, LayerDiff? Diff);

/// <summary>A previewed change: of a device's whole document or of the layer alone, against what was in force at <see cref="Base"/>.</summary>
internal sealed record LayerDiff(bool OfDevice, long Base, IReadOnlyList<DiffRow> Rows);
