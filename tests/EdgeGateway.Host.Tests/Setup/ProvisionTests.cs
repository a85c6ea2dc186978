using System.Text.Json;
using EdgeGateway.Host.Diagnostics;

namespace EdgeGateway.Host.Tests.Setup;

[Trait("Category", "Integration")]
public sealed class ProvisionTests : IDisposable
{
    private readonly TempDir _dir = new();

    private string Config => _dir.File("gateway.json");

    private string[] Flags(params string[] extra) =>
    [
        "provision", "--config", Config, "--non-interactive", "--skip-models",
        "--device-id", "kitchen-0042", "--site", "xuhui-0193", "--data-dir", _dir.Path,
        "--camera", "id=k1,url=rtsp://10.0.0.21:554/stream1?a=1,b=2,role=kitchen,model=face-mask-retina",
        "--zone", "k1/prep=0.1:0.2;0.9:0.2;0.9:0.95;0.1:0.95",
        "--board", "simulated",
        "--broker", "mqtts://relay.example.com:8883", "--username", "xuhui-0193/kitchen-0042", "--password-file", _dir.Secret("uplink-password", "device-token"),
        "--diagnostics-password-file", _dir.Secret("technician-password", "kitchen-tech-2026"),
        .. extra,
    ];

    [Fact]
    public async Task Flags_alone_write_a_private_config_with_a_hashed_technician_password()
    {
        var (exit, output) = await CliRun.SetupAsync(Flags());

        Assert.True(exit == 0, output);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Config));
        using var json = JsonDocument.Parse(File.ReadAllText(Config));
        var root = json.RootElement;
        Assert.Equal("kitchen-0042", root.GetProperty("Device").GetProperty("Id").GetString());
        Assert.Equal("simulated", root.GetProperty("Elevator").GetProperty("Board").GetString());
        var camera = root.GetProperty("Cameras")[0];
        Assert.Equal("rtsp://10.0.0.21:554/stream1?a=1,b=2", camera.GetProperty("Url").GetString());
        Assert.Equal(4, camera.GetProperty("Zones")[0].GetProperty("Points").GetArrayLength());
        var hash = root.GetProperty("Diagnostics").GetProperty("PasswordHash").GetString();
        Assert.DoesNotContain("kitchen-tech-2026", File.ReadAllText(Config), StringComparison.Ordinal);
        Assert.True(TechnicianPassword.Verify("kitchen-tech-2026", hash));
        Assert.False(TechnicianPassword.Verify("kitchen-tech-2027", hash));
        Assert.DoesNotContain("device-token", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_existing_file_is_never_replaced_without_force()
    {
        File.WriteAllText(Config, """{ "Device": { "Id": "old-box" } }""");
        var (exit, output) = await CliRun.SetupAsync(Flags());
        Assert.Equal(4, exit);
        Assert.Contains("already exists; pass --force", output, StringComparison.Ordinal);
        Assert.Equal("""{ "Device": { "Id": "old-box" } }""", File.ReadAllText(Config));
    }

    [Fact]
    public async Task Force_keeps_a_backup_and_the_settings_provision_does_not_own()
    {
        File.WriteAllText(Config, """
            {
              // tuned on site
              "Device": { "Id": "old-box", "Site": "xuhui-0193" },
              "Elevator": { "TrappedAfter": "00:02:00" },
            }
            """);
        var before = File.ReadAllText(Config);

        var (exit, output) = await CliRun.SetupAsync(Flags("--force"));

        Assert.True(exit == 0, output);
        var backup = Assert.Single(Directory.GetFiles(_dir.Path, "gateway.json.bak-*"));
        Assert.Equal(before, File.ReadAllText(backup));
        using var json = JsonDocument.Parse(File.ReadAllText(Config));
        Assert.Equal("kitchen-0042", json.RootElement.GetProperty("Device").GetProperty("Id").GetString());
        Assert.Equal("00:02:00", json.RootElement.GetProperty("Elevator").GetProperty("TrappedAfter").GetString());
        Assert.Equal("simulated", json.RootElement.GetProperty("Elevator").GetProperty("Board").GetString());
    }

    [Fact]
    public async Task Every_bad_field_is_one_line_with_key_value_and_expectation_and_nothing_is_written()
    {
        var (exit, output) = await CliRun.SetupAsync(
            "provision", "--config", Config, "--non-interactive", "--skip-models",
            "--device-id", "Kitchen 42", "--site", "xuhui-0193",
            "--camera", "id=k1,url=ftp://cam/1,role=pantry,model=face-mask-retina",
            "--zone", "k1/prep=0.1:0.2;1.5:0.2;0.9:0.95",
            "--broker", "http://relay:1883", "--username", "u", "--password-file", _dir.Secret("uplink-password", "p"),
            "--diagnostics-password-file", _dir.Secret("technician-password", "short"));

        Assert.Equal(2, exit);
        Assert.False(File.Exists(Config));
        var lines = output.Split('\n').Select(l => l.Trim()).ToList();
        Assert.Contains("Device:Id = 'Kitchen 42': expected 1 to 64 letters, digits, '-', '_' or '.' (no spaces, '/', '+' or '#')", lines);
        Assert.Contains(lines, l => l.StartsWith("Cameras:0:Url = 'ftp://cam/1': expected rtsp://", StringComparison.Ordinal));
        Assert.Contains("Cameras:0:Role = 'pantry': expected kitchen or car", lines);
        Assert.Contains("Cameras:0:Zones:0:Points = '[0.1,0.2] [1.5,0.2] [0.9,0.95]': expected at least 3 points [x,y] with x and y in 0..1 (fractions of the frame)", lines);
        Assert.Contains(lines, l => l.StartsWith("Uplink:Broker = 'http://relay:1883': scheme 'http' is not supported; expected mqtt://host[:port] or mqtts://host[:port]", StringComparison.Ordinal));
        Assert.Contains("technician password = '(hidden)': expected at least 8 characters", lines);
        Assert.Contains("6 problem(s); nothing was written:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_claim_code_needs_a_relay_url_and_is_not_sent_when_anything_else_is_wrong()
    {
        var (exit, output) = await CliRun.SetupAsync(
            "provision", "--config", Config, "--non-interactive", "--skip-models",
            "--camera", "id=k1,url=rtsp://cam/1", "--broker", "mqtts://relay:8883",
            "--claim-code", "ABCD-EFGH", "--diagnostics-password-file", _dir.Secret("technician-password", "kitchen-tech-2026"));
        Assert.Equal(2, exit);
        Assert.Contains("--relay-url = '': expected the relay's https:// URL because --claim-code is given", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Device:Id", output, StringComparison.Ordinal); // The claim supplies identity.
    }

    [Fact]
    public async Task A_claim_over_https_needs_the_relay_CA_pinned_before_the_code_is_spent()
    {
        string[] claim =
        [
            "provision", "--config", Config, "--non-interactive", "--skip-models", "--camera", "id=k1,url=rtsp://cam/1",
            "--relay-url", "https://relay.example.com", "--claim-code", "ABCD-EFGH-JKLM",
            "--diagnostics-password-file", _dir.Secret("technician-password", "kitchen-tech-2026"),
        ];

        var (missing, missingOutput) = await CliRun.SetupAsync(claim);
        var (bad, badOutput) = await CliRun.SetupAsync([.. claim, "--relay-ca-fingerprint", "AB:CD"]);

        // Exit 2 is "invalid input, nothing sent": the relay (which does not exist here) was never asked.
        Assert.Equal(2, missing);
        Assert.Contains("--relay-ca-fingerprint = '': expected the relay CA's SHA-256 fingerprint as the relay operator gave it", missingOutput, StringComparison.Ordinal);
        Assert.Equal(2, bad);
        Assert.Contains("--relay-ca-fingerprint = 'AB:CD': expected a SHA-256 fingerprint: 64 hex digits", badOutput, StringComparison.Ordinal);
        Assert.False(File.Exists(Config));
    }

    [Theory]
    [InlineData("--diagnostics-password", "--diagnostics-password-file FILE (mode 600), --diagnostics-password-stdin, EDGEGW_DIAGNOSTICS_PASSWORD or the prompt")]
    [InlineData("--password", "--password-file FILE (mode 600), --password-stdin, EDGEGW_UPLINK_PASSWORD or the prompt")]
    public async Task A_password_as_a_flag_value_is_refused_in_one_line_that_says_what_to_use(string flag, string instead)
    {
        var (exit, output) = await CliRun.SetupAsync([.. Flags(), flag, "kitchen-tech-2026-in-clear"]);

        Assert.Equal(2, exit);
        var line = Assert.Single(output.Split('\n'), l => l.Contains(flag + " is refused", StringComparison.Ordinal));
        Assert.Contains("visible to every user of this machine (/proc/*/cmdline); use " + instead, line, StringComparison.Ordinal);
        Assert.DoesNotContain("kitchen-tech-2026-in-clear", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Config));
    }

    [Fact]
    public async Task The_technician_password_comes_from_stdin_or_from_a_file_only_its_owner_reads()
    {
        var readable = _dir.Secret("shared-password", "kitchen-tech-2026");
        File.SetUnixFileMode(readable, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        string[] withoutTechnician = [.. Flags().TakeWhile(f => f != "--diagnostics-password-file")];

        var (exposed, exposedOutput) = await CliRun.SetupAsync([.. withoutTechnician, "--diagnostics-password-file", readable]);
        Assert.Equal(2, exposed);
        Assert.Contains($"--diagnostics-password-file = '{readable}': the file is mode 644, so other users can read it; expected mode 600 (`chmod 600 {readable}`)", exposedOutput, StringComparison.Ordinal);
        Assert.False(File.Exists(Config));

        var (piped, pipedOutput) = await CliRun.SetupAsync(null, "stdin-tech-2026\n", [.. withoutTechnician, "--diagnostics-password-stdin"]);
        Assert.True(piped == 0, pipedOutput);
        using var json = JsonDocument.Parse(File.ReadAllText(Config));
        Assert.True(TechnicianPassword.Verify("stdin-tech-2026", json.RootElement.GetProperty("Diagnostics").GetProperty("PasswordHash").GetString()!));
    }

    [Fact]
    public async Task Generate_key_writes_a_private_ec_key_and_csr_and_switches_on_mtls_once_the_certificate_is_there()
    {
        var (exit, output) = await CliRun.SetupAsync(Flags("--generate-key"));
        Assert.True(exit == 0, output);
        var key = _dir.File("device.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        using var ec = System.Security.Cryptography.ECDsa.Create();
        ec.ImportFromPem(File.ReadAllText(key));
        Assert.Equal(256, ec.KeySize);
        var csr = System.Security.Cryptography.X509Certificates.CertificateRequest.LoadSigningRequestPem(
            File.ReadAllText(_dir.File("device.csr")), System.Security.Cryptography.HashAlgorithmName.SHA256);
        Assert.Contains("CN=kitchen-0042", csr.SubjectName.Name, StringComparison.Ordinal);
        using (var first = JsonDocument.Parse(File.ReadAllText(Config)))
        {
            // A key without its certificate would stop the uplink from starting.
            Assert.False(first.RootElement.GetProperty("Uplink").TryGetProperty("ClientKeyFile", out _));
        }

        // The operator signs the CSR (here: self-signed with the same key) and the installer re-runs.
        var keyBefore = File.ReadAllText(key);
        using (var certificate = new System.Security.Cryptography.X509Certificates.CertificateRequest(csr.SubjectName, ec, System.Security.Cryptography.HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddYears(1)))
        {
            File.WriteAllText(_dir.File("device.crt"), certificate.ExportCertificatePem());
        }

        (exit, output) = await CliRun.SetupAsync(Flags("--generate-key", "--force"));
        Assert.True(exit == 0, output);
        Assert.Equal(keyBefore, File.ReadAllText(key));
        using var second = JsonDocument.Parse(File.ReadAllText(Config));
        Assert.Equal(key, second.RootElement.GetProperty("Uplink").GetProperty("ClientKeyFile").GetString());
        Assert.Equal(_dir.File("device.crt"), second.RootElement.GetProperty("Uplink").GetProperty("ClientCertFile").GetString());
    }

    public void Dispose() => _dir.Dispose();
}
