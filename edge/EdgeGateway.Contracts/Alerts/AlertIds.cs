namespace EdgeGateway.Contracts;

/// <summary>Creates the stable, time-ordered alert id (UUIDv7, RFC 9562).</summary>
public static class AlertIds
{
    public static Guid NewId(TimeProvider time) => Guid.CreateVersion7(time.GetUtcNow());

    /// <summary>The 16 bytes in RFC 9562 (network) order, as they go on the wire.</summary>
    public static void WriteBytes(Guid id, Span<byte> destination) =>
        id.TryWriteBytes(destination, bigEndian: true, out _);

    public static Guid FromBytes(ReadOnlySpan<byte> bytes) => new(bytes, bigEndian: true);
}
