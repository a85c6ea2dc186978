namespace EdgeGateway.Core.Outbox;

/// <summary>
/// One message waiting to go upstream. The bridge turns <see cref="Class"/> and
/// <see cref="AlertId"/> into a topic such as <c>edge/{site}/{device}/alert</c>.
/// </summary>
/// <param name="Class">Priority class; decides topic, time to live and eviction order.</param>
/// <param name="Payload">Encoded bytes as they go on the wire.</param>
/// <param name="AlertId">The alert this message carries or belongs to (snapshots), or null.</param>
public readonly record struct OutboxMessage(OutboxClass Class, ReadOnlyMemory<byte> Payload, Guid? AlertId = null);
