using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudRelay.Api;
using Microsoft.Data.Sqlite;

namespace CloudRelay.Tests;

/// <summary>Named, scoped, revocable API keys made with the command line and used against a running relay.</summary>
[Trait("Category", "Integration")]
public sealed class ApiKeyTests
{
    [Fact]
    public async Task A_key_is_printed_once_stored_hashed_limited_to_its_scope_and_refused_once_revoked()
    {
        await using var relay = await RelayTestHost.StartAsync();

        var (created, readKeyLine, createError) = await CommandLineTests.RunAsync("api-key", "create", "--name", "platform", "--scope", "read", "--data-dir", relay.DataDir);
        var (_, devicesKeyLine, _) = await CommandLineTests.RunAsync("api-key", "create", "--name", "installer", "--scope", "devices", "--data-dir", relay.DataDir);
        var (taken, _, takenError) = await CommandLineTests.RunAsync("api-key", "create", "--name", "platform", "--scope", "admin", "--data-dir", relay.DataDir);
        var (badScope, _, scopeError) = await CommandLineTests.RunAsync("api-key", "create", "--name", "x", "--scope", "root", "--data-dir", relay.DataDir);

        Assert.True(created == 0, createError);
        using var readJson = JsonDocument.Parse(readKeyLine);
        var readKey = readJson.RootElement.GetProperty("key").GetString()!;
        Assert.Equal("read", readJson.RootElement.GetProperty("scope").GetString());
        var devicesKey = JsonDocument.Parse(devicesKeyLine).RootElement.GetProperty("key").GetString()!;
        Assert.Equal(2, taken);
        Assert.Contains("--name 'platform' is taken", takenError, StringComparison.Ordinal);
        Assert.Equal(2, badScope);
        Assert.Contains("--scope 'root' is invalid; expected read, devices, cases, fleet, metrics, admin", scopeError, StringComparison.Ordinal);

        // Only a hash is on disk.
        Assert.DoesNotContain(readKey, await ReadAllBytesAsTextAsync(Path.Combine(relay.DataDir, "relay.db")), StringComparison.Ordinal);
        var (_, list, _) = await CommandLineTests.RunAsync("api-key", "list", "--data-dir", relay.DataDir);
        Assert.Equal(3, list.Trim().Split('\n').Length); // and the test's own admin key
        Assert.DoesNotContain(readKey, list, StringComparison.Ordinal);

        using var reader = relay.ClientWithKey(readKey);
        using var installer = relay.ClientWithKey(devicesKey);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/alerts")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/stats")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/devices")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsJsonAsync("/api/devices", new { site = "s", device = "d" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await installer.PostAsJsonAsync("/api/devices", new { site = "s", device = "d" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await installer.PostAsync("/api/devices/s/d2/claim-code", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await installer.GetAsync("/api/alerts")).StatusCode);
        // An admin key may do everything.
        Assert.Equal(HttpStatusCode.Created, (await relay.Http.PostAsJsonAsync("/api/devices", new { site = "s", device = "d3" })).StatusCode);

        var (revoked, revokedOut, _) = await CommandLineTests.RunAsync("api-key", "revoke", "--name", "platform", "--data-dir", relay.DataDir);
        var (again, _, againError) = await CommandLineTests.RunAsync("api-key", "revoke", "--name", "platform", "--data-dir", relay.DataDir);

        Assert.Equal(0, revoked);
        Assert.Contains("revoked", revokedOut, StringComparison.Ordinal);
        Assert.Equal(1, again);
        Assert.Contains("no live API key named 'platform'", againError, StringComparison.Ordinal);
        await TestAlerts.WaitUntilAsync(async () => (await reader.GetAsync("/api/alerts")).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(10), "the running relay to refuse the revoked key");
        Assert.Equal(HttpStatusCode.OK, (await installer.GetAsync("/api/devices")).StatusCode);
    }

    [Fact]
    public async Task An_older_relays_unnamed_key_becomes_the_hashed_admin_key_legacy_and_can_be_revoked()
    {
        var dataDir = Directory.CreateTempSubdirectory("relay-legacy-").FullName;
        const string OldKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        await File.WriteAllTextAsync(Path.Combine(dataDir, "relay-secrets.json"), $$"""{ "apiKey": "{{OldKey}}", "webhookSecret": "kept-secret" }""");

        await using (var relay = await RelayTestHost.StartAsync(dataDir: dataDir, keepDataDir: true))
        {
            using var old = relay.ClientWithKey(OldKey);
            Assert.Equal(HttpStatusCode.OK, (await old.GetAsync("/api/devices")).StatusCode);
            var secrets = await File.ReadAllTextAsync(Path.Combine(dataDir, "relay-secrets.json"));
            Assert.DoesNotContain(OldKey, secrets, StringComparison.Ordinal);
            Assert.Contains("kept-secret", secrets, StringComparison.Ordinal);
            Assert.DoesNotContain(OldKey, await ReadAllBytesAsTextAsync(Path.Combine(dataDir, "relay.db")), StringComparison.Ordinal);

            var (_, list, _) = await CommandLineTests.RunAsync("api-key", "list", "--data-dir", dataDir);
            Assert.Contains("\"name\":\"legacy\",\"scope\":\"admin\"", list, StringComparison.Ordinal);
            var (revoked, _, revokeError) = await CommandLineTests.RunAsync("api-key", "revoke", "--name", "legacy", "--data-dir", dataDir);
            Assert.True(revoked == 0, revokeError);
            await TestAlerts.WaitUntilAsync(async () => (await old.GetAsync("/api/devices")).StatusCode == HttpStatusCode.Unauthorized,
                TimeSpan.FromSeconds(10), "the running relay to refuse the revoked legacy key");
        }

        // The same key in Relay:ApiKey does not bring a revoked key back.
        await using (var relay = await RelayTestHost.StartAsync(dataDir: dataDir, settings: new Dictionary<string, string?> { ["ApiKey"] = OldKey }))
        {
            using var old = relay.ClientWithKey(OldKey);
            Assert.Equal(HttpStatusCode.Unauthorized, (await old.GetAsync("/api/devices")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await relay.Http.GetAsync("/api/devices")).StatusCode);
        }
    }

    [Fact]
    public async Task A_configured_key_works_as_legacy_without_being_written_anywhere_in_clear()
    {
        const string Configured = "configured-key-for-an-older-platform-client";
        await using var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?> { ["ApiKey"] = Configured }, keepDataDir: false);

        using var client = relay.ClientWithKey(Configured);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/stats")).StatusCode);
        Assert.DoesNotContain(Configured, await File.ReadAllTextAsync(Path.Combine(relay.DataDir, "relay-secrets.json")), StringComparison.Ordinal);
        Assert.DoesNotContain(Configured, await ReadAllBytesAsTextAsync(Path.Combine(relay.DataDir, "relay.db")), StringComparison.Ordinal);
        var legacy = Assert.Single(await relay.Store.ListApiKeysAsync(CancellationToken.None), k => k.Name == LegacyApiKey.Name);
        Assert.Equal(ApiScopes.Admin, legacy.Scope);
    }

    private static async Task<string> ReadAllBytesAsTextAsync(string path)
    {
        SqliteConnection.ClearAllPools();
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        var wal = path + "-wal";
        if (File.Exists(wal))
        {
            await using var walStream = new FileStream(wal, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            await walStream.CopyToAsync(copy);
        }

        return System.Text.Encoding.Latin1.GetString(copy.ToArray());
    }
}
