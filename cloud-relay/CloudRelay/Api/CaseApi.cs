using System.Globalization;
using CloudRelay.Cases;
using CloudRelay.Database;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CloudRelay.Api;

/// <summary>
/// <c>/api/cases</c>: list and read cases (scope <c>read</c> or <c>cases</c>), and act on them (scope <c>cases</c>).
/// The caller's key name is the actor in the case's timeline.
/// </summary>
public static class CaseApi
{
    /// <summary>Longest rectification note kept.</summary>
    public const int MaxNoteLength = 2000;

    public static IEndpointRouteBuilder MapCaseApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var read = endpoints.MapGroup("/api/cases").AddEndpointFilter(RelayApi.RequireScope(ApiScopes.Read, ApiScopes.Cases));
        read.MapGet("/", QueryAsync);
        read.MapGet("/{id:guid}", GetAsync);
        var act = endpoints.MapGroup("/api/cases/{id:guid}").AddEndpointFilter(RelayApi.RequireScope(ApiScopes.Cases));
        act.MapPost("/ack", (Guid id, HttpContext http, ICaseStore cases, CaseRules rules, TimeProvider time, CancellationToken cancellationToken) =>
            ActAsync(id, CaseAction.Acknowledge, null, http, cases, rules, time, cancellationToken));
        act.MapPost("/rectify", RectifyAsync);
        act.MapPost("/reopen", (Guid id, HttpContext http, ICaseStore cases, CaseRules rules, TimeProvider time, CancellationToken cancellationToken) =>
            ActAsync(id, CaseAction.Reopen, null, http, cases, rules, time, cancellationToken));
        return endpoints;
    }

    private static async Task<Results<Ok<CasePageView>, ProblemHttpResult>> QueryAsync(
        ICaseStore cases, string? state, string? site, string? device, string? kind, string? after, int? limit, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(state) && !CaseStates.All.Contains(state))
        {
            return RelayApi.BadRequest($"state '{state}' is invalid; expected {string.Join(", ", CaseStates.All)}");
        }

        if (RelayApi.PageProblem(after, limit, out var afterPosition) is { } problem)
        {
            return RelayApi.BadRequest(problem);
        }

        var page = await cases.QueryCasesAsync(
            new CaseQuery(RelayApi.Empty(state), RelayApi.Empty(site), RelayApi.Empty(device), RelayApi.Empty(kind), afterPosition, limit ?? 100),
            cancellationToken);
        return TypedResults.Ok(new CasePageView(page.Items.Select(CaseView.From).ToList(), page.Next?.ToString(CultureInfo.InvariantCulture)));
    }

    private static async Task<Results<Ok<CaseDetailView>, NotFound>> GetAsync(Guid id, ICaseStore cases, CancellationToken cancellationToken) =>
        await cases.FindCaseAsync(id, cancellationToken) is { } detail ? TypedResults.Ok(CaseDetailView.From(detail)) : TypedResults.NotFound();

    private static Task<Results<Ok<CaseView>, NotFound, ProblemHttpResult>> RectifyAsync(
        Guid id, RectifyRequest request, HttpContext http, ICaseStore cases, CaseRules rules, TimeProvider time, CancellationToken cancellationToken)
    {
        var note = request.Note?.Trim();
        if (!IsValidNote(note))
        {
            return Task.FromResult<Results<Ok<CaseView>, NotFound, ProblemHttpResult>>(RelayApi.BadRequest(
                $"note is invalid; expected 1-{MaxNoteLength} characters saying what was done"));
        }

        return ActAsync(id, CaseAction.Rectify, note, http, cases, rules, time, cancellationToken);
    }

    /// <summary>The rule for a rectification note (trimmed), for the API and the console alike.</summary>
    internal static bool IsValidNote([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? note) =>
        !string.IsNullOrEmpty(note) && note.Length <= MaxNoteLength && note.AsSpan().IndexOfAnyInRange('\u0000', '\u0008') < 0;

    private static async Task<Results<Ok<CaseView>, NotFound, ProblemHttpResult>> ActAsync(
        Guid id, CaseAction action, string? note, HttpContext http, ICaseStore cases, CaseRules rules, TimeProvider time, CancellationToken cancellationToken)
    {
        var actor = http.Items[RelayApi.CallerItem] is ApiCaller caller ? caller.Name : "api";
        var outcome = await cases.ApplyActionAsync(id, action, actor, note, rules, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        var detail = outcome == CaseActionOutcome.NotFound ? null : await cases.FindCaseAsync(id, cancellationToken);
        return (outcome, detail) switch
        {
            (CaseActionOutcome.Done, { } done) => TypedResults.Ok(CaseView.From(done.Case)),
            (CaseActionOutcome.Conflict, { } current) => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "not possible now",
                detail: $"case {id:D} is {current.Case.State}; {ActionName(action)} is not possible in that state"
                        + (action == CaseAction.Reopen ? " (or a newer case for the same subject is open)" : string.Empty)),
            _ => TypedResults.NotFound(),
        };
    }

    private static string ActionName(CaseAction action) => action switch
    {
        CaseAction.Acknowledge => "ack",
        CaseAction.Rectify => "rectify",
        CaseAction.Reopen => "reopen",
        _ => action.ToString(),
    };
}
