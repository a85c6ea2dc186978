using System.Security.Cryptography;
using System.Text;

namespace CloudRelay.Forwarding;

/// <summary>
/// The webhook signature: <c>X-Relay-Signature: sha256=&lt;hex&gt;</c>, the HMAC-SHA256 of the exact body
/// bytes under the shared secret. The platform recomputes it and compares in constant time.
/// </summary>
public static class WebhookSigner
{
    public const string SignatureHeader = "X-Relay-Signature";
    public const string AlertIdHeader = "X-Relay-Alert-Id";

    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public static bool Verify(string secret, ReadOnlySpan<byte> body, string? signature) =>
        signature is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, body)), Encoding.ASCII.GetBytes(signature));
}
