using System.Globalization;
using CloudRelay.Api;
using CloudRelay.Cases;
using CloudRelay.Ingest;
using CloudRelay.Settings;
using CloudRelay.Database;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CloudRelay.OperatorConsole;

/// <summary>The console's devices and cases: lists, a case with its evidence, the operators' actions, snapshots and attachments.</summary>
public static partial class ConsoleEndpoints
{
    private static async Task<IResult> DevicesAsync(HttpContext http, ConsoleSessions sessions, IRelayStore store, Evidence.ClipLedger clips, CancellationToken cancellationToken)
    {
        if (await sessions.FindAsync(http, cancellationToken) is not { } user)
        {
            return ToLogin(http);
        }

        var storage = clips.StorageFull ? new StorageState(clips.FreeBytes, clips.ReserveBytes) : null;
        return Page(ConsolePages.Devices(ConsoleText.For(http, user.Language), user, await store.ListDevicesAsync(cancellationToken), storage));
    }

    private static async Task<IResult> CasesAsync(HttpContext http, ConsoleSessions sessions, ICaseStore cases, TimeProvider time,
        string? state, string? kind, string? site, CancellationToken cancellationToken)
    {
        if (await sessions.FindAsync(http, cancellationToken) is not { } user)
        {
            return ToLogin(http);
        }

        const int Shown = 500;
        IReadOnlyList<string?> unclosed = [.. CaseStates.All.Where(CaseLifecycle.IsUnclosed)];
        IReadOnlyList<string?> states = string.IsNullOrEmpty(state) ? unclosed
            : state == CaseFilter.AnyState ? new string?[] { null }
            : CaseStates.All.Contains(state) ? new string?[] { state } : unclosed;
        var found = new List<CaseRecord>();
        var truncated = false;
        foreach (var one in states)
        {
            var page = await cases.QueryCasesAsync(new CaseQuery(one, RelayApi.Empty(site?.Trim()), null, RelayApi.Empty(kind?.Trim()), null, Shown), cancellationToken);
            found.AddRange(page.Items);
            truncated |= page.Next is not null;
        }

        // Soonest deadline first: what is overdue, or about to be, is on top.
        var shown = found.OrderBy(c => c.DeadlineMs).ThenBy(c => c.Position).Take(Shown).ToList();
        var filter = new CaseFilter(state, kind, site);
        return Page(ConsolePages.Cases(ConsoleText.For(http, user.Language), user, filter, shown, truncated || found.Count > Shown,
            time.GetUtcNow().ToUnixTimeMilliseconds()));
    }

    private static async Task<IResult> CaseAsync(Guid id, HttpContext http, ConsoleSessions sessions, CancellationToken cancellationToken)
    {
        if (await sessions.FindAsync(http, cancellationToken) is not { } user)
        {
            return ToLogin(http);
        }

        return await CasePageAsync(http, user, id, null, StatusCodes.Status200OK, cancellationToken);
    }

    private static async Task<IResult> ActAsync(Guid id, string action, HttpContext http, ConsoleSessions sessions, ICaseStore cases, CaseRules rules,
        TimeProvider time, IOptions<RelayOptions> options, CancellationToken cancellationToken)
    {
        CaseAction? caseAction = action switch
        {
            "ack" => CaseAction.Acknowledge,
            "rectify" => CaseAction.Rectify,
            "reopen" => CaseAction.Reopen,
            _ => null,
        };
        if (caseAction is null)
        {
            return Results.NotFound();
        }

        if (await sessions.FindAsync(http, cancellationToken) is not { } user)
        {
            return ToLogin(http);
        }

        var t = ConsoleText.For(http, user.Language);
        var maxAttachment = options.Value.Console.MaxAttachmentBytes;
        var limit = maxAttachment >= 1024 * 1024 ? $"{maxAttachment / (1024 * 1024)} MB" : $"{maxAttachment / 1024} KB";
        var attachmentRefused = string.Format(CultureInfo.InvariantCulture, t["case.attachment_refused"], limit);
        var form = await ReadFormAsync(http, maxAttachment + FormOverhead, cancellationToken);
        if (form is null)
        {
            // Too large to read at all: the one clear answer about attachments.
            return await CasePageAsync(http, user, id, attachmentRefused, StatusCodes.Status400BadRequest, cancellationToken);
        }

        if (!ConsoleSessions.CsrfHolds(http, user, form[ConsoleSessions.CsrfField]))
        {
            return Refused(http, user, t, "CSRF token");
        }

        if (!user.MayActOnCases)
        {
            return Forbidden(http, user, t, t["case.forbidden"]);
        }

        string? note = null;
        CaseAttachment? attachment = null;
        if (caseAction == CaseAction.Rectify)
        {
            note = form["note"].ToString().Trim();
            if (!CaseApi.IsValidNote(note))
            {
                return await CasePageAsync(http, user, id, t["case.note_invalid"], StatusCodes.Status400BadRequest, cancellationToken);
            }

            if (form.Files.Count > 1 || (form.Files.Count == 1 && form.Files[0].Length > 0 && (attachment = await AcceptAsync(form.Files[0], maxAttachment, cancellationToken)) is null))
            {
                return await CasePageAsync(http, user, id, attachmentRefused, StatusCodes.Status400BadRequest, cancellationToken);
            }
        }

        var outcome = await cases.ApplyActionAsync(id, caseAction.Value, user.Name, note, rules, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken, attachment);
        switch (outcome)
        {
            case CaseActionOutcome.Done:
                var logger = Logger(http);
                var address = Address(http);
                Log.CaseActed(logger, user.Name, user.Role, action, id, attachment is not null, address);
                return Results.Redirect($"{Root}/cases/{id:D}");
            case CaseActionOutcome.Conflict:
                return await CasePageAsync(http, user, id, t["case.conflict"], StatusCodes.Status409Conflict, cancellationToken);
            default:
                return Page(ConsolePages.Message(t, user, t["case.not_found"]), StatusCodes.Status404NotFound);
        }
    }

    private static async Task<IResult> SnapshotAsync(Guid id, HttpContext http, ConsoleSessions sessions, IRelayStore store, IOptions<RelayOptions> options,
        CancellationToken cancellationToken)
    {
        if (await sessions.FindAsync(http, cancellationToken) is null)
        {
            return Results.Unauthorized();
        }

        var path = await SnapshotPathAsync(store, options.Value, id, cancellationToken);
        return path is not null && File.Exists(path) ? Results.File(path, "image/jpeg") : Results.NotFound();
    }

    /// <summary>An alert's event clip, to logged-in operators only; Range lets the player seek.</summary>
    private static async Task<IResult> ClipAsync(Guid id, HttpContext http, ConsoleSessions sessions, IEvidenceStore evidence, Evidence.ClipFiles clips,
        CancellationToken cancellationToken)
    {
        if (await sessions.FindAsync(http, cancellationToken) is null)
        {
            return Results.Unauthorized();
        }

        var record = await evidence.FindEvidenceAsync(id, cancellationToken);
        var path = record is { ClipMs: not null, ClipDeletedMs: null } ? clips.FinalPath(record.Site, record.Device, id) : null;
        return path is not null && File.Exists(path) ? Results.File(path, "video/mp4", enableRangeProcessing: true) : Results.NotFound();
    }

    private static async Task<IResult> AttachmentAsync(Guid id, HttpContext http, ConsoleSessions sessions, IConsoleStore store, CancellationToken cancellationToken)
    {
        if (await sessions.FindAsync(http, cancellationToken) is null)
        {
            return Results.Unauthorized();
        }

        if (await store.FindAttachmentAsync(id, cancellationToken) is not { } found)
        {
            return Results.NotFound();
        }

        // Images show in the page; anything else is only downloaded, never rendered as the console's own content.
        return AttachmentCheck.IsImage(found.Info.ContentType)
            ? Results.File(found.Data, found.Info.ContentType)
            : Results.File(found.Data, found.Info.ContentType, found.Info.FileName);
    }

    private static async Task<IResult> CasePageAsync(HttpContext http, ConsoleUser user, Guid id, string? error, int status, CancellationToken cancellationToken)
    {
        var services = http.RequestServices;
        var t = ConsoleText.For(http, user.Language);
        var detail = await services.GetRequiredService<ICaseStore>().FindCaseAsync(id, cancellationToken);
        if (detail is null)
        {
            return Page(ConsolePages.Message(t, user, t["case.not_found"]), StatusCodes.Status404NotFound);
        }

        var attachments = await services.GetRequiredService<IConsoleStore>().ListAttachmentsAsync(id, cancellationToken);
        var options = services.GetRequiredService<IOptions<RelayOptions>>().Value;
        var snapshots = new HashSet<Guid>();
        foreach (var alert in detail.Alerts.Where(a => a.Alert.SnapshotRef is not null))
        {
            if (File.Exists(DeviceMessageIngestor.SnapshotPath(Path.GetFullPath(options.DataDir), alert.Alert.SiteId, alert.Alert.DeviceId, alert.Alert.Id)))
            {
                snapshots.Add(alert.Alert.Id);
            }
        }

        // The event clip and whether the box's signature over the evidence held, per alert that has either.
        var evidenceStore = services.GetRequiredService<IEvidenceStore>();
        var verifier = services.GetRequiredService<Evidence.EvidenceVerifier>();
        var evidence = new Dictionary<Guid, CaseEvidence>();
        foreach (var alert in detail.Alerts)
        {
            if (await evidenceStore.FindEvidenceAsync(alert.Alert.Id, cancellationToken) is { } found)
            {
                // The verdict as it holds now: a "verified" beside a snapshot other than the one checked would lie.
                var (verified, _) = await verifier.CurrentAsync(found, cancellationToken);
                evidence[alert.Alert.Id] = new CaseEvidence(found.ClipMs is not null && found.ClipDeletedMs is null, verified);
            }
        }

        var rules = services.GetRequiredService<CaseRules>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeMilliseconds();
        return Page(ConsolePages.Case(t, user, detail, attachments, snapshots, evidence, rules.RequireOperatorClose, now, error), status);
    }

    private static async Task<string?> SnapshotPathAsync(IRelayStore store, RelayOptions options, Guid id, CancellationToken cancellationToken) =>
        await store.FindAlertAsync(id, cancellationToken) is { } match
            ? DeviceMessageIngestor.SnapshotPath(Path.GetFullPath(options.DataDir), match.Alert.SiteId, match.Alert.DeviceId, id)
            : null;

    private static async Task<CaseAttachment?> AcceptAsync(IFormFile file, long maxBytes, CancellationToken cancellationToken)
    {
        if (file.Length > maxBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, cancellationToken);
        return AttachmentCheck.Accept(file.FileName, file.ContentType, buffer.ToArray(), maxBytes);
    }
}
