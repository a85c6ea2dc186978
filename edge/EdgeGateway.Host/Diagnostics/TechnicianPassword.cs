using EdgeGateway.Contracts.Passwords;

namespace EdgeGateway.Host.Diagnostics;

/// <summary>
/// The technician password as stored in <c>Diagnostics:PasswordHash</c>: the shared <see cref="PasswordHash"/>
/// (the relay's console operators use the same code).
/// </summary>
public static class TechnicianPassword
{
    public const int DefaultIterations = PasswordHash.DefaultIterations;
    public const int MinimumLength = PasswordHash.MinimumLength;

    public static string Hash(string password, int iterations = DefaultIterations) => PasswordHash.Hash(password, iterations);

    /// <summary>Constant-time check of a password against a stored hash; false for a malformed hash.</summary>
    public static bool Verify(string password, string? storedHash) => PasswordHash.Verify(password, storedHash);

    public static bool IsWellFormed(string? storedHash) => PasswordHash.IsWellFormed(storedHash);

    /// <summary>Null when the password is acceptable, else what is expected of it.</summary>
    public static string? Weakness(string? password) => PasswordHash.Weakness(password);
}
