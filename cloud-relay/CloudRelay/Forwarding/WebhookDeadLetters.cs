using System.Net;
using System.Text;
using System.Text.Json;

namespace CloudRelay.Forwarding;

/// <summary>
/// Alerts and case events the platform keeps refusing for what they are (a 4xx that is about the request, not the
/// link or the credentials). Each one is written as a JSON line to
/// <c>{Relay:DataDir}/webhook-dead-letters.jsonl</c> before it leaves the forward queue, so a refusal
/// never blocks the alerts behind it and never loses one silently: the alert itself stays stored
/// and listed in <c>/api/alerts</c>.
/// </summary>
public sealed class WebhookDeadLetters(string dataDir)
{
    public const string FileName = "webhook-dead-letters.jsonl";

    /// <summary>Refusals of the same alert, with backoff between them, before it is set aside.</summary>
    public const int RefusalsBeforeDeadLetter = 3;

    private readonly Lock _gate = new();

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetFullPath(dataDir), FileName);

    /// <summary>
    /// True when the status refuses this alert for good. 401 and 403 (credentials), 404 (the URL),
    /// 408 and 429 (the link and the load) say nothing about the alert: those are retried.
    /// </summary>
    public static bool RefusesTheAlert(HttpStatusCode status) =>
        (int)status is >= 400 and < 500
        && status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound
            or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests);

    /// <summary>
    /// Appends what was refused (<paramref name="name"/> is <c>alert</c> or <c>event</c>, <paramref name="body"/> the
    /// JSON that was posted) with the refusal, and syncs the file; throws when that fails (it then stays queued).
    /// </summary>
    public void Add(string name, ReadOnlySpan<byte> body, HttpStatusCode status, string reason, DateTimeOffset at)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("at", at);
            json.WriteNumber("status", (int)status);
            json.WriteString("reason", reason);
            json.WritePropertyName(name);
            json.WriteRawValue(body);
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        lock (_gate)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            using var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
            file.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            file.Flush(flushToDisk: true);
        }
    }

    /// <summary>The platform's answer as one short line for the log and the file.</summary>
    public static string Reason(HttpStatusCode status, string body)
    {
        var text = new StringBuilder().Append((int)status).Append(' ').Append(status);
        var firstLine = (body ?? "").Split('\n', 2)[0].Trim();
        if (firstLine.Length > 0)
        {
            text.Append(": ").Append(firstLine.Length > 200 ? firstLine[..200] : firstLine);
        }

        return text.ToString();
    }
}
