namespace EdgeGateway.Contracts.Evidence;

/// <summary>Bounds of the evidence messages both programs share: clip pieces fit the relay's default packet limit (64 KiB).</summary>
public static class EvidenceLimits
{
    /// <summary>Clip bytes in one piece by default; with the piece's header and topic it stays well under 64 KiB.</summary>
    public const int DefaultChunkBytes = 32 * 1024;

    /// <summary>The largest piece the relay takes; <c>Evidence:ChunkKB</c> on the box may not pass it.</summary>
    public const int MaxChunkBytes = 60 * 1024;

    /// <summary>The largest clip the relay takes (a 60 s clip of a 4 Mbit/s main stream is about 30 MiB).</summary>
    public const long MaxClipBytes = 256L * 1024 * 1024;

    /// <summary>The largest signed-manifest message.</summary>
    public const int MaxEnvelopeBytes = 16 * 1024;
}
