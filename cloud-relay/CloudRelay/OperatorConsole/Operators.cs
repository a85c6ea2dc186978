using CloudRelay.Api;
using CloudRelay.Database;
using EdgeGateway.Contracts.Passwords;

namespace CloudRelay.OperatorConsole;

/// <summary>
/// The console's named operators: added, listed and removed from the command line, checked at login. Passwords are
/// kept only as the shared <see cref="PasswordHash"/> the box uses for its technician password.
/// </summary>
public sealed class Operators(IConsoleStore store, TimeProvider time)
{
    /// <summary>Verified against when the name is unknown, so a wrong name costs the same time as a wrong password.</summary>
    private static readonly Lazy<string> DecoyHash = new(() => PasswordHash.Hash(Guid.NewGuid().ToString("N")));

    public static string? RoleProblem(string? role) =>
        role is not null && OperatorRoles.All.Contains(role) ? null : $"--role '{role}' is invalid; expected {string.Join(", ", OperatorRoles.All)}";

    /// <summary>Adds an operator; throws <see cref="ArgumentException"/> with one line for a bad name, role or password, or a taken name.</summary>
    public async Task AddAsync(string name, string role, string password, CancellationToken cancellationToken = default)
    {
        if ((ApiKeys.NameProblem(name) ?? RoleProblem(role)) is { } problem)
        {
            throw new ArgumentException(problem);
        }

        if (PasswordHash.Weakness(password) is { } weakness)
        {
            throw new ArgumentException($"the password is too weak; {weakness}");
        }

        var record = new OperatorRecord(name, PasswordHash.Hash(password), role, null, time.GetUtcNow().ToUnixTimeMilliseconds());
        if (!await store.AddOperatorAsync(record, cancellationToken))
        {
            throw new ArgumentException($"--name '{name}' is taken; expected a new operator name (remove the old one first)");
        }
    }

    public Task<IReadOnlyList<OperatorRecord>> ListAsync(CancellationToken cancellationToken = default) => store.ListOperatorsAsync(cancellationToken);

    /// <summary>Removes the operator and ends their sessions at once.</summary>
    public Task<bool> RemoveAsync(string name, CancellationToken cancellationToken = default) => store.RemoveOperatorAsync(name, cancellationToken);

    /// <summary>The operator when the name and password match; null otherwise, in about the same time either way.</summary>
    public async Task<OperatorRecord?> CheckAsync(string name, string password, CancellationToken cancellationToken)
    {
        var found = ApiKeys.NameProblem(name) is null ? await store.FindOperatorAsync(name, cancellationToken) : null;
        // Off the request's thread: the caller bounds how many run at once (LoginThrottle).
        var matches = await Task.Run(() => PasswordHash.Verify(password, found?.PasswordHash ?? DecoyHash.Value), cancellationToken);
        return found is not null && matches ? found : null;
    }
}
