using CloudRelay.Database;

namespace CloudRelay.OperatorConsole;

/// <summary>
/// The one rule for a rectification attachment: a single JPEG, PNG or PDF file of at most
/// <c>Relay:Console:MaxAttachmentBytes</c>, whose bytes are what its declared type says.
/// </summary>
public static class AttachmentCheck
{
    private static readonly (string ContentType, byte[] Magic)[] Accepted =
    [
        ("image/jpeg", [0xFF, 0xD8, 0xFF]),
        ("image/png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        ("application/pdf", "%PDF-"u8.ToArray()),
    ];

    /// <summary>The attachment ready to store, or null when it is refused (wrong type, contents not of that type, empty or too large).</summary>
    public static CaseAttachment? Accept(string? fileName, string? declaredType, byte[] data, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length == 0 || data.Length > maxBytes)
        {
            return null;
        }

        var type = (declaredType ?? string.Empty).Split(';')[0].Trim().ToLowerInvariant();
        var match = Accepted.FirstOrDefault(a => a.ContentType == type);
        return match.Magic is not null && data.AsSpan().StartsWith(match.Magic)
            ? new CaseAttachment(Guid.CreateVersion7(), SafeName(fileName, type), type, data)
            : null;
    }

    /// <summary>True for types a browser may show in the page; others are only downloaded.</summary>
    public static bool IsImage(string contentType) => contentType.StartsWith("image/", StringComparison.Ordinal);

    /// <summary>The file's own name without folders or control characters, at most 100 characters.</summary>
    private static string SafeName(string? fileName, string type)
    {
        var name = new string(Path.GetFileName(fileName ?? string.Empty).Where(c => !char.IsControl(c) && c is not ('"' or '\\' or '/')).ToArray()).Trim();
        if (name.Length == 0)
        {
            name = "attachment" + (type == "application/pdf" ? ".pdf" : type == "image/png" ? ".png" : ".jpg");
        }

        return name.Length > 100 ? name[^100..] : name;
    }
}
