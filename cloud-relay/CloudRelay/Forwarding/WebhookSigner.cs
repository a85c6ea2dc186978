using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CloudRelay.Forwarding;

/// <summary>
/// The webhook signature: <c>X-Relay-Timestamp: &lt;unix seconds&gt;</c> and
/// <c>X-Relay-Signature: sha256=&lt;hex&gt;</c>, the HMAC-SHA256 under the shared secret of the timestamp, a '.', and
/// the exact body bytes. The platform recomputes it, compares in constant time, and refuses a stale timestamp, so
/// a captured request cannot be replayed later.
/// </summary>
public static class WebhookSigner
{
    public const string SignatureHeader = "X-Relay-Signature";
    public const string TimestampHeader = "X-Relay-Timestamp";
    public const string AlertIdHeader = "X-Relay-Alert-Id";

    /// <summary>On a case event instead of an alert: <c>case.opened</c>, <c>case.overdue</c>, <c>case.rectified</c> or <c>case.reopened</c>.</summary>
    public const string EventHeader = "X-Relay-Event";

    /// <summary>A case event's own id; a platform drops a repeated one, as it does alert ids.</summary>
    public const string EventIdHeader = "X-Relay-Event-Id";

    /// <summary>How far from the platform's clock a timestamp may be before <see cref="Verify"/> refuses it.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var prefix = Encoding.ASCII.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>What a platform does: the timestamp parses and is within <paramref name="tolerance"/> of now, and the signature matches.</summary>
    public static bool Verify(string secret, string? timestamp, ReadOnlySpan<byte> body, string? signature, DateTimeOffset now, TimeSpan? tolerance = null)
    {
        if (signature is null || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs(now.ToUnixTimeSeconds() - seconds) > (tolerance ?? DefaultTolerance).TotalSeconds)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, seconds, body)), Encoding.ASCII.GetBytes(signature));
    }
}
