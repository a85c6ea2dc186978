using CloudRelay.Devices;
using CloudRelay.Database;

namespace CloudRelay.Tests;

[Trait("Category", "Unit")]
public sealed class ClientIdTests
{
    private static readonly DeviceRecord Box = new("s1", "box", null, null, false, null, 0, ClientId: "kitchen-cam-7");

    [Theory]
    [InlineData("edgegw-s1-box", true)]
    [InlineData("kitchen-cam-7", true)]
    [InlineData("edgegw-s1-box/doctor", true)]
    [InlineData("kitchen-cam-7/doctor", true)]
    [InlineData("edgegw-s1-victim", false)]
    [InlineData("edgegw-s1-victim/doctor", false)]
    [InlineData("edgegw-s1-box/doctor/doctor", false)]
    [InlineData("/doctor", false)]
    [InlineData("", false)]
    public void A_device_may_use_its_own_ids_and_doctor_probes_of_them_only(string clientId, bool own) =>
        Assert.Equal(own, ClientIds.IsOwn(Box, clientId));
}

[Trait("Category", "Integration")]
public sealed class ClientIdCollisionTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("relay-client-ids-").FullName;
    private SqliteRelayStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = new SqliteRelayStore(Path.Combine(_directory, "relay.db"));
        await _store.MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_device_whose_default_client_id_is_anothers_is_refused_in_one_line_and_the_other_keeps_it()
    {
        var registry = new DeviceRegistry(_store, TimeProvider.System);
        await registry.AddAsync("s-1", "x");
        await registry.AddAsync("s", "box", clientId: "cam-7");

        // s/1-x would default to edgegw-s-1-x, which is s-1/x's: it could take over that session.
        var sameDefault = await Assert.ThrowsAsync<ArgumentException>(() => registry.AddAsync("s", "1-x"));
        var sameRegistered = await Assert.ThrowsAsync<ArgumentException>(() => registry.AddAsync("t", "y", clientId: "cam-7"));
        var byClaim = await Assert.ThrowsAsync<ArgumentException>(() => registry.CreateClaimCodeAsync("s", "1-x"));

        Assert.StartsWith("device s/1-x: client id 'edgegw-s-1-x' already belongs to device s-1/x", sameDefault.Message, StringComparison.Ordinal);
        Assert.Contains("'cam-7' already belongs to device s/box", sameRegistered.Message, StringComparison.Ordinal);
        Assert.StartsWith("device s/1-x:", byClaim.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', sameDefault.Message);
        Assert.Equal(["s-1/x", "s/box"], (await registry.ListAsync(CancellationToken.None)).Select(d => $"{d.Site}/{d.Device}").Order());

        // A device renewing its own token is not a collision with itself.
        await registry.AddAsync("s-1", "x", renew: true);
    }
}
