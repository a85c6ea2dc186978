using CloudRelay.Database;

namespace CloudRelay.Tests;

/// <summary>Signing keys kept per key id with the time each was valid, in a real SQLite database.</summary>
[Trait("Category", "Integration")]
public sealed class DeviceKeyStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("relay-keys-").FullName;

    [Fact]
    public async Task A_key_registered_before_the_upgrade_stays_current_and_a_later_rotation_keeps_it_with_the_time_it_ended()
    {
        var path = Path.Combine(_directory, "upgrade.db");
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL);"
                + string.Concat(SchemaMigrations.Sqlite.Where(m => m.Version <= 9)
                    .Select(m => $"{m.Sql};\nINSERT INTO schema_migrations VALUES ({m.Version}, 'before key history', 1);\n"))
                + "INSERT INTO device_keys (site, device, key_id, public_key, added_ms) VALUES ('site-1', 'box-1', 'k-old', 'PEM-OLD', 1000);";
            await command.ExecuteNonQueryAsync();
        }

        await using var store = new SqliteRelayStore(path);
        Assert.Equal(SchemaMigrations.Sqlite.Count, await store.MigrateAsync(CancellationToken.None));
        Assert.Equal(new DeviceKeyRecord("site-1", "box-1", "k-old", "PEM-OLD", 1000), await store.FindDeviceKeyAsync("site-1", "box-1", CancellationToken.None));

        var rotated = await store.AddDeviceKeyAsync("site-1", "box-1", "k-new", "PEM-NEW", 3000, replace: true, CancellationToken.None);

        Assert.True(rotated);
        Assert.Equal(new DeviceKeyRecord("site-1", "box-1", "k-old", "PEM-OLD", 1000, 3000),
            await store.FindDeviceKeyAsync("site-1", "box-1", "k-old", CancellationToken.None));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
