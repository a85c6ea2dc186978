using CloudRelay.Database;
using EdgeGateway.Testing;

namespace CloudRelay.Tests;

/// <summary>The same behaviour from both databases: migrations, idempotent inserts, claim codes, forward queue.</summary>
public abstract class StoreContractTests
{
    protected abstract Task<IRelayStore> CreateStoreAsync();

    [Fact]
    public async Task Migrations_are_numbered_recorded_and_applied_once()
    {
        await using var store = await CreateStoreAsync();

        var first = await store.MigrateAsync(CancellationToken.None);
        var second = await store.MigrateAsync(CancellationToken.None);

        Assert.Equal(SchemaMigrations.Sqlite.Count, first);
        Assert.Equal(first, second);
        Assert.Equal(SchemaMigrations.Sqlite.Select(m => m.Version), SchemaMigrations.Postgres.Select(m => m.Version));
    }

    [Fact]
    public async Task An_alert_id_is_stored_once_even_when_repeated_inside_and_across_batches()
    {
        await using var store = await MigratedAsync();
        var a = TestAlerts.Make("s", "d");
        var b = TestAlerts.Make("s", "d");
        var c = TestAlerts.Make("s", "d");

        var first = await store.InsertAlertsAsync([a, b, a], 1000, enqueueForward: false, CancellationToken.None);
        var second = await store.InsertAlertsAsync([b, c], 2000, enqueueForward: false, CancellationToken.None);

        Assert.Equal([true, true, false], first);
        Assert.Equal([false, true], second);
        Assert.Equal(3, await store.CountAlertsAsync(CancellationToken.None));
        var page = await store.QueryAlertsAsync(new AlertQuery(), CancellationToken.None);
        Assert.Equal([a.Id, b.Id, c.Id], page.Items.Select(i => i.Alert.Id));
        Assert.Equal(a, page.Items[0].Alert);
        Assert.Equal(1000, page.Items[0].ReceivedMs);
    }

    [Fact]
    public async Task A_claim_code_is_consumed_by_exactly_one_of_many_concurrent_claims()
    {
        await using var store = await MigratedAsync();
        await store.AddDeviceAsync("s", "d", null, null, 1, CancellationToken.None);
        await store.SetClaimCodeAsync("s", "d", "code-hash", expiresMs: 10_000, CancellationToken.None);

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            store.ConsumeClaimCodeAsync("code-hash", $"token-{i}", nowMs: 5_000, CancellationToken.None)));
        var winner = Assert.Single(claims, c => c is not null);
        var expired = await store.ConsumeClaimCodeAsync("code-hash", "late", nowMs: 20_000, CancellationToken.None);

        Assert.StartsWith("token-", winner!.TokenHash, StringComparison.Ordinal);
        Assert.Null(expired);
        Assert.Equal(winner.TokenHash, (await store.FindDeviceAsync("s", "d", CancellationToken.None))!.TokenHash);
    }

    [Fact]
    public async Task An_expired_claim_code_is_refused()
    {
        await using var store = await MigratedAsync();
        await store.AddDeviceAsync("s", "d", null, null, 1, CancellationToken.None);
        await store.SetClaimCodeAsync("s", "d", "code-hash", expiresMs: 10_000, CancellationToken.None);

        Assert.Null(await store.ConsumeClaimCodeAsync("code-hash", "t", nowMs: 10_001, CancellationToken.None));
    }

    [Fact]
    public async Task The_forward_queue_keeps_ingest_order_and_shrinks_as_items_are_removed()
    {
        await using var store = await MigratedAsync();
        var alerts = Enumerable.Range(0, 5).Select(i => TestAlerts.Make("s", $"d{i % 2}")).ToArray();
        await store.InsertAlertsAsync(alerts[..3], 1, enqueueForward: true, CancellationToken.None);
        await store.InsertAlertsAsync([alerts[0], .. alerts[3..]], 2, enqueueForward: true, CancellationToken.None);

        var queued = await store.PeekForwardAsync(100, CancellationToken.None);
        await store.RemoveForwardAsync(queued[0].Position, CancellationToken.None);

        Assert.Equal(alerts.Select(a => a.Id), queued.Select(q => q.Alert!.Id));
        Assert.Equal(4, await store.ForwardBacklogAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Devices_keep_state_last_seen_and_certificate_thumbprints()
    {
        await using var store = await MigratedAsync();
        await store.AddDeviceAsync("s", "d", "hash", "ab12", 1, CancellationToken.None);
        await store.SetDeviceStatusAsync("s", "d", true, 50, CancellationToken.None);
        await store.InsertAlertsAsync([TestAlerts.Make("s", "d")], 60, enqueueForward: false, CancellationToken.None);

        var device = await store.FindDeviceByThumbprintAsync("ab12", CancellationToken.None);

        Assert.NotNull(device);
        Assert.True(device.Online);
        Assert.Equal(60, device.LastSeenMs);
        Assert.True(await store.RemoveDeviceAsync("s", "d", CancellationToken.None));
        Assert.Empty(await store.ListDevicesAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_held_device_is_registered_again_only_on_renew_and_a_claim_code_does_not_take_it()
    {
        await using var store = await MigratedAsync();
        await store.AddDeviceAsync("s", "d", null, null, 1, CancellationToken.None);
        await store.SetClaimCodeAsync("s", "d", "code-hash", expiresMs: 10_000, CancellationToken.None);

        var first = await store.RegisterDeviceAsync("s", "d", "token-1", null, 2, renew: false, CancellationToken.None);
        var again = await store.RegisterDeviceAsync("s", "d", "token-2", "ab12", 3, renew: false, CancellationToken.None);
        var claim = await store.ConsumeClaimCodeAsync("code-hash", "token-3", nowMs: 4, CancellationToken.None);
        var held = await store.FindDeviceAsync("s", "d", CancellationToken.None);
        var renewed = await store.RegisterDeviceAsync("s", "d", "token-4", null, 5, renew: true, CancellationToken.None);

        Assert.True(first);
        Assert.False(again);
        Assert.Null(claim);
        Assert.Equal("token-1", held!.TokenHash);
        Assert.Null(held.CertificateThumbprint);
        Assert.True(renewed);
        Assert.Equal("token-4", (await store.FindDeviceAsync("s", "d", CancellationToken.None))!.TokenHash);
    }

    [Fact]
    public async Task Signing_keys_are_kept_per_key_id_with_the_time_each_was_valid()
    {
        await using var store = await MigratedAsync();
        var keys = (IEvidenceStore)store;

        var first = await keys.AddDeviceKeyAsync("s", "d", "k1", "PEM-1", 10, replace: false, CancellationToken.None);
        var claimed = await keys.AddDeviceKeyAsync("s", "d", "k2", "PEM-2", 20, replace: false, CancellationToken.None);
        var rotated = await keys.AddDeviceKeyAsync("s", "d", "k3", "PEM-3", 30, replace: true, CancellationToken.None);

        Assert.True(first);
        Assert.False(claimed);
        Assert.True(rotated);
        Assert.Equal(new DeviceKeyRecord("s", "d", "k3", "PEM-3", 30), await keys.FindDeviceKeyAsync("s", "d", CancellationToken.None));
        Assert.Equal(new DeviceKeyRecord("s", "d", "k1", "PEM-1", 10, 30), await keys.FindDeviceKeyAsync("s", "d", "k1", CancellationToken.None));
        Assert.Null(await keys.FindDeviceKeyAsync("s", "d", "k2", CancellationToken.None));
    }

    private async Task<IRelayStore> MigratedAsync()
    {
        var store = await CreateStoreAsync();
        await store.MigrateAsync(CancellationToken.None);
        return store;
    }
}

[Trait("Category", "Integration")]
public sealed class SqliteStoreTests : StoreContractTests, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("relay-sqlite-").FullName;

    protected override Task<IRelayStore> CreateStoreAsync() =>
        Task.FromResult<IRelayStore>(new SqliteRelayStore(Path.Combine(_directory, $"{Guid.NewGuid():N}.db")));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>One real PostgreSQL server for the class; each test gets its own database.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private int _databases;

    public PostgresServer Server { get; private set; } = null!;

    public Task<string> NewDatabaseAsync() => Server.CreateDatabaseAsync($"relay_{Interlocked.Increment(ref _databases)}");

    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[Trait("Category", "Integration")]
public sealed class PostgresStoreTests(PostgresFixture postgres) : StoreContractTests, IClassFixture<PostgresFixture>
{
    protected override async Task<IRelayStore> CreateStoreAsync() => new PostgresRelayStore(await postgres.NewDatabaseAsync());

    [Fact]
    public async Task Several_instances_migrating_at_once_leave_one_schema()
    {
        var url = await postgres.NewDatabaseAsync();
        var stores = Enumerable.Range(0, 4).Select(_ => new PostgresRelayStore(url)).ToArray();

        var versions = await Task.WhenAll(stores.Select(s => s.MigrateAsync(CancellationToken.None)));

        Assert.All(versions, v => Assert.Equal(SchemaMigrations.Postgres.Count, v));
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_relay_ingests_over_mqtt_into_postgres()
    {
        var url = await postgres.NewDatabaseAsync();
        await using var relay = await RelayTestHost.StartAsync(db: url);
        var client = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", "box-1"));
        var alerts = Enumerable.Range(0, 30).Select(_ => TestAlerts.Make("site-1", "box-1")).ToList();

        var results = await Task.WhenAll(alerts.Select(client.PublishAlertAsync));
        await client.PublishAlertAsync(alerts[0]);

        Assert.All(results, r => Assert.True(r.IsSuccess));
        Assert.Equal("postgres", relay.Store.Kind);
        Assert.Equal(30, await relay.Store.CountAlertsAsync(CancellationToken.None));
        Assert.Equal(1, relay.Counters.Duplicates);
        var device = await relay.Store.FindDeviceAsync("site-1", "box-1", CancellationToken.None);
        Assert.NotNull(device!.LastSeenMs);
    }
}
