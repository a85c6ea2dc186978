using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using CloudRelay.Database;
using EdgeGateway.Contracts.Evidence;
using Microsoft.Extensions.DependencyInjection;

namespace CloudRelay.Tests;

/// <summary>The claim registers the box's evidence signing key; a key that is not EC P-256 is refused before the code is used up.</summary>
[Trait("Category", "Integration")]
public sealed class DeviceKeyClaimTests
{
    [Fact]
    public async Task A_claim_with_a_public_key_registers_it_and_a_bad_key_leaves_the_code_unused()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var created = await relay.Http.PostAsync("/api/devices/site-9/box-9/claim-code", null);
        var code = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("code").GetString();
        using var installer = new HttpClient { BaseAddress = new Uri(relay.HttpUrl) };
        using var rsa = RSA.Create(2048);

        var refused = await installer.PostAsJsonAsync("/api/devices/claim", new { code, public_key = rsa.ExportSubjectPublicKeyInfoPem() });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("P-256", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var claimed = await installer.PostAsJsonAsync("/api/devices/claim", new { code, public_key = key.ExportSubjectPublicKeyInfoPem() });
        Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
        var stored = await relay.App.Services.GetRequiredService<IEvidenceStore>().FindDeviceKeyAsync("site-9", "box-9", CancellationToken.None);
        Assert.Equal(EvidenceSignature.KeyId(key), stored?.KeyId);
    }
}
