using CloudRelay.Database;
using Microsoft.AspNetCore.Http;

namespace CloudRelay.OperatorConsole;

/// <summary>The admins' page: list, add and remove operators, each change audited like the command line's.</summary>
public static partial class ConsoleEndpoints
{
    private static async Task<IResult> OperatorsPageAsync(HttpContext http, ConsoleSessions sessions, IConsoleStore store, CancellationToken cancellationToken)
    {
        if (await sessions.FindAsync(http, cancellationToken) is not { } user)
        {
            return ToLogin(http);
        }

        var t = ConsoleText.For(http, user.Language);
        return user.MayManageOperators
            ? Page(ConsolePages.Operators(t, user, await store.ListOperatorsAsync(cancellationToken), null))
            : Forbidden(http, user, t);
    }

    private static async Task<IResult> AddOperatorAsync(HttpContext http, ConsoleSessions sessions, Operators operators, IConsoleStore store,
        CancellationToken cancellationToken)
    {
        var (user, form, refusal) = await AdminFormAsync(http, sessions, cancellationToken);
        if (user is null || form is null)
        {
            return refusal!;
        }

        var name = form["name"].ToString().Trim();
        try
        {
            await operators.AddAsync(name, form["role"].ToString(), form["password"].ToString(), cancellationToken);
        }
        catch (ArgumentException)
        {
            var t = ConsoleText.For(http, user.Language);
            return Page(ConsolePages.Operators(t, user, await store.ListOperatorsAsync(cancellationToken), t["operators.invalid"]), StatusCodes.Status400BadRequest);
        }

        Audit(http, user, "add operator", name);
        return Results.Redirect($"{Root}/operators");
    }

    private static async Task<IResult> RemoveOperatorAsync(string name, HttpContext http, ConsoleSessions sessions, Operators operators, CancellationToken cancellationToken)
    {
        var (user, form, refusal) = await AdminFormAsync(http, sessions, cancellationToken);
        if (user is null || form is null)
        {
            return refusal!;
        }

        if (name != user.Name && await operators.RemoveAsync(name, cancellationToken))
        {
            Audit(http, user, "remove operator", name);
        }

        return Results.Redirect($"{Root}/operators");
    }

    /// <summary>The admin and the form of a request that passed every check, or the answer that refuses it.</summary>
    private static async Task<(ConsoleUser? User, IFormCollection? Form, IResult? Refusal)> AdminFormAsync(HttpContext http, ConsoleSessions sessions,
        CancellationToken cancellationToken)
    {
        if (await sessions.FindAsync(http, cancellationToken) is not { } user)
        {
            return (null, null, ToLogin(http));
        }

        var t = ConsoleText.For(http, user.Language);
        var form = await ReadFormAsync(http, FormOverhead, cancellationToken);
        if (form is null || !ConsoleSessions.CsrfHolds(http, user, form[ConsoleSessions.CsrfField]))
        {
            return (user, null, Refused(http, user, t, "CSRF token"));
        }

        return user.MayManageOperators ? (user, form, null) : (user, null, Forbidden(http, user, t));
    }

    private static void Audit(HttpContext http, ConsoleUser user, string action, string target)
    {
        var logger = Logger(http);
        var address = Address(http);
        Log.OperatorsChanged(logger, user.Name, action, target, address);
    }
}
