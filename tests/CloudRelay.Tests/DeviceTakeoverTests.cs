using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using CloudRelay.Api;
using CloudRelay.Devices;
using CloudRelay.Evidence;
using CloudRelay.Hosting;
using CloudRelay.Database;
using EdgeGateway.Contracts.Evidence;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;

namespace CloudRelay.Tests;

/// <summary>
/// A hostile installer or box tries to take a device or its evidence key: with a <c>devices</c>-scope key, with a claim
/// code, with the command line. The real device must keep its token, its session and its key.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DeviceTakeoverTests
{
    [Fact]
    public async Task An_installer_key_cannot_register_an_existing_device_again_and_only_an_admin_renew_replaces_its_token()
    {
        await using var relay = await RelayTestHost.StartAsync();
        using var installer = relay.ClientWithKey(await relay.App.CreateApiKeyAsync("installer", ApiScopes.Devices));
        var real = await RegisterAsync(relay.Http, "site-1", "box-1");
        var box = await relay.ConnectAsync(real);

        var again = await installer.PostAsJsonAsync("/api/devices", new { site = "site-1", device = "box-1" });
        var withCertificate = await installer.PostAsJsonAsync("/api/devices", new { site = "site-1", device = "box-1", cert_thumbprint = new string('a', 64) });
        var renewByInstaller = await installer.PostAsJsonAsync("/api/devices?renew=true", new { site = "site-1", device = "box-1" });

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("device site-1/box-1 is already registered", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, withCertificate.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, renewByInstaller.StatusCode);
        Assert.Contains("renew=true needs an admin key", await renewByInstaller.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null((await relay.Store.FindDeviceAsync("site-1", "box-1", CancellationToken.None))!.CertificateThumbprint);
        // The real device noticed nothing: still connected, still stored, and its token still opens a session.
        Assert.True(box.IsConnected);
        Assert.True((await box.PublishAlertAsync(TestAlerts.Make("site-1", "box-1"))).IsSuccess);

        var renewed = await relay.Http.PostAsJsonAsync("/api/devices?renew=true", new { site = "site-1", device = "box-1" });
        Assert.Equal(HttpStatusCode.Created, renewed.StatusCode);
        var fresh = await CredentialsAsync(renewed);
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(!box.IsConnected), TimeSpan.FromSeconds(10), "the renewed device's old session to end");
        var (oldClient, oldCode) = await HostileClients.ConnectAsync(relay.MqttPort, real, "edgegw-site-1-box-1");
        var (newClient, newCode) = await HostileClients.ConnectAsync(relay.MqttPort, fresh, "edgegw-site-1-box-1");
        Assert.Equal(MQTTnet.MqttClientConnectResultCode.BadUserNameOrPassword, oldCode);
        Assert.Equal(MQTTnet.MqttClientConnectResultCode.Success, newCode);
        oldClient.Dispose();
        newClient.Dispose();
    }

    [Fact]
    public async Task A_claim_code_is_only_for_an_unclaimed_device_and_a_claim_never_replaces_the_devices_signing_key()
    {
        await using var relay = await RelayTestHost.StartAsync();
        using var installer = relay.ClientWithKey(await relay.App.CreateApiKeyAsync("installer", ApiScopes.Devices));
        using var anonymous = new HttpClient { BaseAddress = new Uri(relay.HttpUrl) };
        using var boxKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var attackerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // Two codes made while the box was still unclaimed: the box uses one, the other leaks.
        var code = await ClaimCodeAsync(installer, "site-1", "box-1");
        var leaked = await ClaimCodeAsync(installer, "site-1", "box-1");
        var claimed = await anonymous.PostAsJsonAsync("/api/devices/claim", new { code, public_key = EvidenceSignature.PublicKeyPem(boxKey) });
        Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
        var boxCredentials = await CredentialsAsync(claimed);

        var codeForClaimed = await installer.PostAsync("/api/devices/site-1/box-1/claim-code", null);
        var withAttackerKey = await anonymous.PostAsJsonAsync("/api/devices/claim", new { code = leaked, public_key = EvidenceSignature.PublicKeyPem(attackerKey) });
        var withoutKey = await anonymous.PostAsJsonAsync("/api/devices/claim", new { code = leaked });

        Assert.Equal(HttpStatusCode.Conflict, codeForClaimed.StatusCode);
        Assert.Contains("device site-1/box-1 is already claimed", await codeForClaimed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, withAttackerKey.StatusCode);
        Assert.Contains($"already has signing key {EvidenceSignature.KeyId(boxKey)}", await withAttackerKey.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, withoutKey.StatusCode);
        var key = await relay.App.Services.GetRequiredService<IEvidenceStore>().FindDeviceKeyAsync("site-1", "box-1", CancellationToken.None);
        Assert.Equal(EvidenceSignature.KeyId(boxKey), key?.KeyId);
        var box = await relay.ConnectAsync(boxCredentials);
        Assert.True((await box.PublishAlertAsync(TestAlerts.Make("site-1", "box-1"))).IsSuccess);

        // A manifest the attacker signs for the device is not "verified".
        var alert = TestAlerts.Make("site-1", "box-1");
        await box.PublishAlertAsync(alert);
        await box.PublishAsync($"edge/site-1/box-1/evidence/{alert.Id:D}", EvidenceTests.Envelope(attackerKey, alert, null));
        var evidence = await relay.Http.GetJsonAsync<JsonElement>($"/api/alerts/{alert.Id:D}/evidence");
        Assert.False(evidence.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task The_command_line_refuses_an_existing_device_and_its_renew_rotates_the_key_so_older_manifests_still_verify_with_openssl()
    {
        await using var relay = await RelayTestHost.StartAsync();
        using var oldKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var oldPem = Path.Combine(relay.DataDir, "old.pub.pem");
        var newPem = Path.Combine(relay.DataDir, "new.pub.pem");
        await File.WriteAllTextAsync(oldPem, EvidenceSignature.PublicKeyPem(oldKey));
        await File.WriteAllTextAsync(newPem, EvidenceSignature.PublicKeyPem(newKey));
        string[] where = ["--site", "site-1", "--device", "box-1", "--data-dir", relay.DataDir];
        var (addExit, added, addError) = await CommandLineTests.RunAsync(["devices", "add", "--public-key", oldPem, .. where]);
        Assert.True(addExit == 0, addError);
        var box = await relay.ConnectAsync(Credentials(added));
        var before = TestAlerts.Make("site-1", "box-1");
        await box.PublishAlertAsync(before);
        await box.PublishAsync($"edge/site-1/box-1/evidence/{before.Id:D}", EvidenceTests.Envelope(oldKey, before, null));

        var (againExit, _, againError) = await CommandLineTests.RunAsync(["devices", "add", "--public-key", newPem, .. where]);
        var (rotateExit, rotated, rotateError) = await CommandLineTests.RunAsync(["devices", "add", "--renew", "--public-key", newPem, .. where]);

        Assert.Equal(2, againExit);
        Assert.Single(againError.Trim().Split('\n'));
        Assert.Contains("device site-1/box-1", againError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", againError, StringComparison.Ordinal);
        Assert.True(rotateExit == 0, rotateError);
        var renewedBox = await relay.ConnectAsync(Credentials(rotated));
        var late = TestAlerts.Make("site-1", "box-1");
        var after = TestAlerts.Make("site-1", "box-1");
        await renewedBox.PublishAlertAsync(late);
        await renewedBox.PublishAlertAsync(after);
        await renewedBox.PublishAsync($"edge/site-1/box-1/evidence/{late.Id:D}", EvidenceTests.Envelope(oldKey, late, null));
        await renewedBox.PublishAsync($"edge/site-1/box-1/evidence/{after.Id:D}", EvidenceTests.Envelope(newKey, after, null));

        var older = await relay.Http.GetJsonAsync<JsonElement>($"/api/alerts/{before.Id:D}/evidence");
        Assert.True(older.GetProperty("verified").GetBoolean(), older.GetProperty("verify_note").GetString());
        Assert.Equal(EvidenceSignature.KeyId(oldKey), older.GetProperty("key_id").GetString());
        Assert.Equal(EvidenceSignature.PublicKeyPem(oldKey).Trim(), older.GetProperty("public_key").GetString()!.Trim());
        Assert.Equal(JsonValueKind.Number, older.GetProperty("key_valid_until_ms").ValueKind);
        Assert.Equal("Verified OK", await OpenSslVerifyAsync(older, relay.DataDir));
        // The retired key signs nothing new: a manifest it signed that arrives after the rotation is not the device's.
        var retired = await relay.Http.GetJsonAsync<JsonElement>($"/api/alerts/{late.Id:D}/evidence");
        Assert.False(retired.GetProperty("verified").GetBoolean());
        Assert.Contains("retired", retired.GetProperty("verify_note").GetString(), StringComparison.Ordinal);
        var current = await relay.Http.GetJsonAsync<JsonElement>($"/api/alerts/{after.Id:D}/evidence");
        Assert.True(current.GetProperty("verified").GetBoolean(), current.GetProperty("verify_note").GetString());
        Assert.Equal(EvidenceSignature.PublicKeyPem(newKey).Trim(), current.GetProperty("public_key").GetString()!.Trim());
        Assert.Equal("Verified OK", await OpenSslVerifyAsync(current, relay.DataDir));
    }

    /// <summary>What <c>openssl dgst -verify</c> says about the evidence answer's manifest, signature and public key.</summary>
    internal static async Task<string> OpenSslVerifyAsync(JsonElement evidence, string folder)
    {
        var name = Path.Combine(folder, Guid.NewGuid().ToString("N"));
        await File.WriteAllBytesAsync(name + ".json", Convert.FromBase64String(evidence.GetProperty("manifest_base64").GetString()!));
        await File.WriteAllBytesAsync(name + ".sig", Convert.FromBase64String(evidence.GetProperty("signature").GetString()!));
        await File.WriteAllTextAsync(name + ".pem", evidence.GetProperty("public_key").GetString());
        var start = new System.Diagnostics.ProcessStartInfo("openssl", ["dgst", "-sha256", "-verify", name + ".pem", "-signature", name + ".sig", name + ".json"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (output + error).Trim();
    }

    private static async Task<DeviceCredentials> RegisterAsync(HttpClient http, string site, string device)
    {
        var response = await http.PostAsJsonAsync("/api/devices", new { site, device });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await CredentialsAsync(response);
    }

    private static async Task<DeviceCredentials> CredentialsAsync(HttpResponseMessage response) =>
        Credentials(await response.Content.ReadAsStringAsync());

    private static DeviceCredentials Credentials(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new DeviceCredentials(root.GetProperty("site").GetString()!, root.GetProperty("device").GetString()!,
            root.GetProperty("username").GetString()!, root.GetProperty("password").GetString()!);
    }

    private static async Task<string> ClaimCodeAsync(HttpClient installer, string site, string device)
    {
        var response = await installer.PostAsync($"/api/devices/{site}/{device}/claim-code", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!;
    }
}
