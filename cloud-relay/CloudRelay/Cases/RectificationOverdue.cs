using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CloudRelay.Database;
using EdgeGateway.Contracts;

namespace CloudRelay.Cases;

/// <summary>
/// The alert the relay raises when a case passes its deadline. Its id is derived from the case id, so however often
/// and on whichever instance it is made, it is stored (and forwarded) once: the alert id is unique.
/// </summary>
public static class RectificationOverdue
{
    public const string CaseAttribute = "case";
    public const string ViolationAttribute = "violation";
    public const string DeadlineAttribute = "deadline";

    public static Alert For(CaseRecord overdueCase, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(overdueCase);
        return new Alert
        {
            Id = IdFor(overdueCase.Id),
            SiteId = overdueCase.Site,
            DeviceId = overdueCase.Device,
            // The box's sequence numbers start at 1; 0 marks an alert the relay made.
            Sequence = 0,
            Kind = AlertKinds.RectificationOverdue,
            Severity = overdueCase.Kind is AlertKinds.Rat or AlertKinds.Trapped ? AlertSeverity.Critical : AlertSeverity.Major,
            State = AlertState.Raised,
            TimestampMs = nowMs,
            Attributes = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [CaseAttribute] = overdueCase.Id.ToString("D"),
                [ViolationAttribute] = overdueCase.Kind,
                [DeadlineAttribute] = DateTimeOffset.FromUnixTimeMilliseconds(overdueCase.DeadlineMs).UtcDateTime
                    .ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            },
        };
    }

    /// <summary>A name-based UUID (version 8, RFC 9562) from the case id.</summary>
    public static Guid IdFor(Guid caseId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.ASCII.GetBytes($"{AlertKinds.RectificationOverdue}/{caseId:D}"), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}

/// <summary>What a case is about besides site, device and kind: the camera, or the car, or nothing.</summary>
public static class CaseSubject
{
    public const string CameraAttribute = "camera";
    public const string CarAttribute = "car";

    public static string Of(IReadOnlyDictionary<string, string> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        return attributes.TryGetValue(CameraAttribute, out var camera) && camera.Length > 0 ? camera
            : attributes.TryGetValue(CarAttribute, out var car) && car.Length > 0 ? car
            : string.Empty;
    }
}
