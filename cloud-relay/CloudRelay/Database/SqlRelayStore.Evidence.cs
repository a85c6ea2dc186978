using System.Data.Common;
using System.Globalization;

namespace CloudRelay.Database;

/// <summary>Evidence and device signing keys, in the SQL both databases share.</summary>
public abstract partial class SqlRelayStore : IEvidenceStore
{
    private const string EvidenceColumns =
        "alert_id, site, device, clip_bytes, clip_sha256, clip_ms, clip_deleted_ms, manifest, signature, key_id, verified, verify_note, "
        + "manifest_ms, verified_snapshot_sha256, verified_clip_sha256";

    public async Task<bool> AddDeviceKeyAsync(string site, string device, string keyId, string publicKeyPem, long nowMs, bool replace, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var current = await ScalarAsync(connection, transaction,
            "SELECT key_id FROM device_signing_keys WHERE site = @site AND device = @device AND valid_until_ms IS NULL",
            cancellationToken, ("site", site), ("device", device)) as string;
        if (current == keyId)
        {
            return true;
        }

        if (current is not null && !replace)
        {
            return false;
        }

        // The old key stays, with the time it stopped: manifests it signed before still verify.
        await ExecuteAsync(connection, transaction,
            "UPDATE device_signing_keys SET valid_until_ms = @now WHERE site = @site AND device = @device AND valid_until_ms IS NULL",
            cancellationToken, ("site", site), ("device", device), ("now", nowMs));
        // The unique index on the current key makes a second claim at the same moment insert nothing.
        var added = await ExecuteAsync(connection, transaction, """
            INSERT INTO device_signing_keys (site, device, key_id, public_key, valid_from_ms) VALUES (@site, @device, @key_id, @pem, @now)
            ON CONFLICT DO NOTHING
            """, cancellationToken, ("site", site), ("device", device), ("key_id", keyId), ("pem", publicKeyPem), ("now", nowMs));
        await transaction.CommitAsync(cancellationToken);
        return added == 1;
    }

    public async Task<DeviceKeyRecord?> FindDeviceKeyAsync(string site, string device, CancellationToken cancellationToken) =>
        await FindKeyAsync("AND valid_until_ms IS NULL", cancellationToken, ("site", site), ("device", device));

    public async Task<DeviceKeyRecord?> FindDeviceKeyAsync(string site, string device, string keyId, CancellationToken cancellationToken) =>
        await FindKeyAsync("AND key_id = @key_id ORDER BY valid_from_ms DESC", cancellationToken, ("site", site), ("device", device), ("key_id", keyId));

    private async Task<DeviceKeyRecord?> FindKeyAsync(string where, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null,
            $"SELECT site, device, key_id, public_key, valid_from_ms, valid_until_ms FROM device_signing_keys WHERE site = @site AND device = @device {where}",
            parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new DeviceKeyRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), Int64(reader, 4),
                reader.IsDBNull(5) ? null : Int64(reader, 5))
            : null;
    }

    public async Task<bool> RecordClipAsync(Guid alertId, string site, string device, long bytes, string sha256, long nowMs, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await EnsureEvidenceRowAsync(connection, alertId, site, device, nowMs, cancellationToken);
        return await ExecuteAsync(connection, null, """
            UPDATE evidence SET clip_bytes = @bytes, clip_sha256 = @sha, clip_ms = @now, updated_ms = @now
            WHERE alert_id = @id AND clip_ms IS NULL
            """, cancellationToken, ("bytes", bytes), ("sha", sha256), ("now", nowMs), ("id", alertId)) == 1;
    }

    public async Task<bool> RecordManifestAsync(Guid alertId, string site, string device, byte[] manifest, byte[] signature, string keyId, long nowMs, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await EnsureEvidenceRowAsync(connection, alertId, site, device, nowMs, cancellationToken);
        // Write-once: the WHERE is the guard, so of two manifests at once only one is kept.
        return await ExecuteAsync(connection, null, """
            UPDATE evidence SET manifest = @manifest, signature = @signature, key_id = @key_id, manifest_ms = @now, updated_ms = @now
            WHERE alert_id = @id AND manifest IS NULL
            """, cancellationToken, ("manifest", manifest), ("signature", signature), ("key_id", keyId), ("now", nowMs), ("id", alertId)) == 1;
    }

    public async Task SetVerificationAsync(Guid alertId, bool verified, string note, string? snapshotSha256, string? clipSha256, long nowMs, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, """
            UPDATE evidence SET verified = @verified, verify_note = @note, verified_snapshot_sha256 = @snapshot, verified_clip_sha256 = @clip, updated_ms = @now
            WHERE alert_id = @id
            """, cancellationToken, ("verified", verified ? 1 : 0), ("note", note), ("snapshot", snapshotSha256), ("clip", clipSha256), ("now", nowMs), ("id", alertId));
    }

    public async Task<EvidenceRecord?> FindEvidenceAsync(Guid alertId, CancellationToken cancellationToken)
    {
        var found = await ReadEvidenceAsync($"SELECT {EvidenceColumns} FROM evidence WHERE alert_id = @id", cancellationToken, ("id", alertId));
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<EvidenceRecord>> ListClipsAsync(CancellationToken cancellationToken) =>
        ReadEvidenceAsync($"SELECT {EvidenceColumns} FROM evidence WHERE clip_ms IS NOT NULL AND clip_deleted_ms IS NULL ORDER BY clip_ms", cancellationToken);

    public async Task MarkClipDeletedAsync(Guid alertId, long nowMs, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "UPDATE evidence SET clip_deleted_ms = @now, updated_ms = @now WHERE alert_id = @id",
            cancellationToken, ("now", nowMs), ("id", alertId));
    }

    private static Task<int> EnsureEvidenceRowAsync(DbConnection connection, Guid alertId, string site, string device, long nowMs, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, null, """
            INSERT INTO evidence (alert_id, site, device, updated_ms) VALUES (@id, @site, @device, @now) ON CONFLICT (alert_id) DO NOTHING
            """, cancellationToken, ("id", alertId), ("site", site), ("device", device), ("now", nowMs));

    private async Task<IReadOnlyList<EvidenceRecord>> ReadEvidenceAsync(string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<EvidenceRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            long? Optional(int i) => reader.IsDBNull(i) ? null : Int64(reader, i);
            records.Add(new EvidenceRecord(
                reader.GetGuid(0), reader.GetString(1), reader.GetString(2), Optional(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), Optional(5), Optional(6),
                reader.IsDBNull(7) ? null : (byte[])reader.GetValue(7),
                reader.IsDBNull(8) ? null : (byte[])reader.GetValue(8),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : Convert.ToInt64(reader.GetValue(10), CultureInfo.InvariantCulture) == 1,
                reader.IsDBNull(11) ? null : reader.GetString(11),
                Optional(12),
                reader.IsDBNull(13) ? null : reader.GetString(13),
                reader.IsDBNull(14) ? null : reader.GetString(14)));
        }

        return records;
    }
}
