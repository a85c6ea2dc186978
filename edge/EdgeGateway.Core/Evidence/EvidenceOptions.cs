using System.Globalization;
using EdgeGateway.Contracts.Evidence;

namespace EdgeGateway.Core.Evidence;

/// <summary><c>Evidence:*</c>: event clips (pre-roll, post-roll, length), their retention and upload, and the signing key.</summary>
public sealed class EvidenceOptions
{
    public const string Section = "Evidence";

    /// <summary>Off: no recorder, no clips and no signed manifests.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How much of the stream before the raise a clip holds.</summary>
    public TimeSpan PreRoll { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a clip runs past the raise; longer while the violation lasts.</summary>
    public TimeSpan PostRoll { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest clip, pre-roll included.</summary>
    public TimeSpan MaxClip { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Length of the recorder's stream-copy segments (cut at the next keyframe).</summary>
    public double SegmentSeconds { get; set; } = 1;

    /// <summary>Clips older than this are deleted on the box (bright-kitchen rule: at least 15 days).</summary>
    public int RetentionDays { get; set; } = 15;

    /// <summary>Disk for clips, apart from the outbox's budget; past it the oldest clips go first.</summary>
    public long BudgetMB { get; set; } = 4096;

    /// <summary>Clip bytes per MQTT piece; the relay's packet limit (64 KiB by default) must hold it plus about 200 bytes.</summary>
    public int ChunkKB { get; set; } = EvidenceLimits.DefaultChunkBytes / 1024;

    /// <summary>The box's EC P-256 signing key (PEM, mode 600); default <c>{Storage:DataDir}/evidence-key.pem</c>, made by <c>provision</c>.</summary>
    public string? KeyFile { get; set; }

    public string KeyPath(string dataDir) => KeyFile is { Length: > 0 } file ? file : DefaultKeyPath(dataDir);

    public static string DefaultKeyPath(string dataDir) => Path.Combine(Path.GetFullPath(dataDir), "evidence-key.pem");

    /// <summary>One line per bad value: the key, the value and what was expected.</summary>
    public IEnumerable<string> Problems()
    {
        if (PreRoll < TimeSpan.Zero || PreRoll > TimeSpan.FromMinutes(5))
        {
            yield return Line("PreRoll", PreRoll, "00:00:00 to 00:05:00");
        }

        if (PostRoll < TimeSpan.Zero || PostRoll > TimeSpan.FromMinutes(5))
        {
            yield return Line("PostRoll", PostRoll, "00:00:00 to 00:05:00");
        }

        if (MaxClip < PreRoll + PostRoll || MaxClip > TimeSpan.FromMinutes(10))
        {
            yield return Line("MaxClip", MaxClip, $"at least PreRoll + PostRoll ({PreRoll + PostRoll}) and at most 00:10:00");
        }

        if (SegmentSeconds is < 0.5 or > 10)
        {
            yield return Line("SegmentSeconds", SegmentSeconds, "0.5 to 10");
        }

        if (RetentionDays < 1)
        {
            yield return Line("RetentionDays", RetentionDays, "a whole number of days of at least 1");
        }

        if (BudgetMB < 16)
        {
            yield return Line("BudgetMB", BudgetMB, "at least 16");
        }

        if (ChunkKB < 1 || ChunkKB * 1024 > EvidenceLimits.MaxChunkBytes)
        {
            yield return Line("ChunkKB", ChunkKB, $"1 to {EvidenceLimits.MaxChunkBytes / 1024}");
        }
    }

    private static string Line(string key, object value, string expected) =>
        string.Create(CultureInfo.InvariantCulture, $"Evidence:{key} '{value}' is invalid; expected {expected}");
}
