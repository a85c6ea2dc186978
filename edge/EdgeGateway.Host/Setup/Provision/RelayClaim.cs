using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeGateway.Host.Setup.Provision;

/// <summary>What the relay hands a box for a valid claim code.</summary>
internal sealed record DeviceCredentials(
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("password")] string Password,
    [property: JsonPropertyName("broker")] string? Broker = null,
    [property: JsonPropertyName("ca_sha256")] string? CaSha256 = null,
    [property: JsonPropertyName("ca_pem")] string? CaPem = null)
{
    public override string ToString() => $"{Username} (token hidden)";
}

/// <summary>The relay's claim API: <c>POST /api/devices/claim {"code": …}</c>, usable once per code.</summary>
internal sealed class RelayClaim(HttpClient http)
{
    /// <summary>
    /// The one rule for a relay URL: https://, or plain http:// only to a relay on this machine, because the
    /// claim's answer is the device's token. Null when fine, else what was expected.
    /// </summary>
    public static string? UrlProblem(string? value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            return "expected an https:// URL such as https://relay.example.com";
        }

        return uri.Scheme == "http" && !uri.IsLoopback
            ? $"expected https://{uri.Authority}: the claim returns the device's token, so plain http:// is allowed only to a relay on this machine (http://127.0.0.1:port)"
            : null;
    }

    /// <summary>The credentials, or a one-line reason the relay gave none.</summary>
    /// <param name="publicKey">The box's evidence signing key (PEM), registered with the claim so the relay can verify its manifests.</param>
    public async Task<(DeviceCredentials? Credentials, string? Problem)> ClaimAsync(Uri relay, string code, CancellationToken cancellationToken, string? publicKey = null)
    {
        ArgumentNullException.ThrowIfNull(relay);
        if (UrlProblem(relay.ToString()) is { } refused)
        {
            return (null, $"--relay-url '{relay}': {refused}");
        }

        var endpoint = new Uri(relay, "/api/devices/claim");
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync(endpoint, new { code, public_key = publicKey }, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            return (null, $"cannot reach the relay at {relay}: {ex.Message}; check --relay-url and the network");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"the relay at {relay} did not answer in time; check --relay-url and the network");
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                try
                {
                    var credentials = await response.Content.ReadFromJsonAsync<DeviceCredentials>(cancellationToken);
                    return credentials is { Username.Length: > 0, Password.Length: > 0 }
                        ? (credentials, null)
                        : (null, "the relay accepted the claim code but sent no credentials; ask the relay operator");
                }
                catch (JsonException)
                {
                    return (null, $"{endpoint} did not answer with device credentials; is --relay-url the relay?");
                }
            }

            var detail = await ProblemTextAsync(response, cancellationToken);
            return response.StatusCode switch
            {
                HttpStatusCode.Forbidden or HttpStatusCode.Gone or HttpStatusCode.Conflict or HttpStatusCode.NotFound when detail is not null =>
                    (null, $"claim code refused by the relay: {detail}"),
                HttpStatusCode.BadRequest => (null, $"claim code rejected: {detail ?? "bad request"}"),
                _ => (null, $"the relay answered HTTP {(int)response.StatusCode}{(detail is null ? string.Empty : ": " + detail)}"),
            };
        }
    }

    private static async Task<string?> ProblemTextAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            var title = problem.RootElement.TryGetProperty("title", out var t) ? t.GetString() : null;
            var detail = problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : null;
            return string.Join("; ", new[] { title, detail }.Where(s => !string.IsNullOrEmpty(s))) is { Length: > 0 } text ? text : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
