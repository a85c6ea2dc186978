using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EdgeGateway.Contracts.Passwords;

/// <summary>
/// The one password hash both programs store: the box's technician password (<c>Diagnostics:PasswordHash</c>) and the
/// relay's console operators. Format <c>pbkdf2-sha512$iterations$salt$hash</c> (base64), PBKDF2-HMAC-SHA512 at the
/// OWASP work factor.
/// </summary>
public static class PasswordHash
{
    public const int DefaultIterations = 210_000;
    public const int MinimumLength = 8;
    private const string Prefix = "pbkdf2-sha512";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public static string Hash(string password, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, iterations);
        return string.Join('$', Prefix, iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    /// <summary>Constant-time check of a password against a stored hash; false for a malformed hash.</summary>
    public static bool Verify(string password, string? storedHash)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!TryParse(storedHash, out var iterations, out var salt, out var expected))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Derive(password, salt, iterations, expected.Length), expected);
    }

    public static bool IsWellFormed(string? storedHash) => TryParse(storedHash, out _, out _, out _);

    /// <summary>Null when the password is acceptable, else what is expected of it.</summary>
    public static string? Weakness(string? password) =>
        password is null || password.Length < MinimumLength
            ? $"expected at least {MinimumLength} characters"
            : password.Trim().Length != password.Length
                ? "expected no leading or trailing spaces"
                : null;

    private static byte[] Derive(string password, byte[] salt, int iterations, int length = HashBytes) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, length);

    private static bool TryParse(string? storedHash, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = [];
        hash = [];
        var parts = storedHash?.Split('$');
        if (parts is not [Prefix, var iterationText, var saltText, var hashText]
            || !int.TryParse(iterationText, NumberStyles.None, CultureInfo.InvariantCulture, out iterations)
            || iterations is < 10_000 or > 10_000_000)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(saltText);
            hash = Convert.FromBase64String(hashText);
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length >= 8 && hash.Length >= 16;
    }
}
