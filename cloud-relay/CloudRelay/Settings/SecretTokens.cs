using System.Security.Cryptography;
using System.Text;

namespace CloudRelay.Settings;

/// <summary>Random secrets and their stored hashes. Tokens carry 256 bits, so a plain SHA-256 is a safe hash.</summary>
public static class SecretTokens
{
    private const string ClaimAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    public static string NewToken() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A code an installer can type: 12 characters without look-alikes, grouped by four (60 bits).</summary>
    public static string NewClaimCode()
    {
        Span<char> chars = stackalloc char[14];
        var j = 0;
        for (var i = 0; i < 12; i++)
        {
            if (i is 4 or 8)
            {
                chars[j++] = '-';
            }

            chars[j++] = ClaimAlphabet[RandomNumberGenerator.GetInt32(ClaimAlphabet.Length)];
        }

        return new string(chars);
    }

    /// <summary>Claim codes are compared without dashes, spaces or case.</summary>
    public static string NormalizeClaimCode(string code) =>
        new string((code ?? string.Empty).Where(char.IsAsciiLetterOrDigit).ToArray()).ToUpperInvariant();

    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret ?? string.Empty)));

    public static bool Matches(string secret, string? storedHash)
    {
        if (storedHash is null)
        {
            return false;
        }

        var actual = Encoding.ASCII.GetBytes(Hash(secret));
        var expected = Encoding.ASCII.GetBytes(storedHash);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
