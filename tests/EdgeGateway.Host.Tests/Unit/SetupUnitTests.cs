using EdgeGateway.Host.Configuration;
using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Host.Setup;
using EdgeGateway.Host.Setup.Provision;
using EdgeGateway.Host.Setup.Doctor;
using EdgeGateway.Elevator.Hardware;
using EdgeGateway.Simulation.Chips;

namespace EdgeGateway.Host.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class TechnicianPasswordTests
{
    [Fact]
    public void A_hash_verifies_its_password_only_and_never_contains_it()
    {
        var hash = TechnicianPassword.Hash("kitchen-tech-2026", iterations: 10_000);
        Assert.StartsWith("pbkdf2-sha512$10000$", hash, StringComparison.Ordinal);
        Assert.DoesNotContain("kitchen-tech-2026", hash, StringComparison.Ordinal);
        Assert.True(TechnicianPassword.Verify("kitchen-tech-2026", hash));
        Assert.False(TechnicianPassword.Verify("kitchen-tech-2027", hash));
        Assert.NotEqual(hash, TechnicianPassword.Hash("kitchen-tech-2026", iterations: 10_000)); // Salted.
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("plain-password")]
    [InlineData("pbkdf2-sha512$abc$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("pbkdf2-sha512$100$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("pbkdf2-sha512$210000$not base64$AAAA")]
    public void A_malformed_hash_never_verifies(string? stored)
    {
        Assert.False(TechnicianPassword.IsWellFormed(stored));
        Assert.False(TechnicianPassword.Verify("anything", stored));
    }

    [Theory]
    [InlineData("short", "expected at least 8 characters")]
    [InlineData(" padded-password ", "expected no leading or trailing spaces")]
    [InlineData("long-enough", null)]
    public void Weak_passwords_are_named(string password, string? expected) =>
        Assert.Equal(expected, TechnicianPassword.Weakness(password));
}

[Trait("Category", "Unit")]
public sealed class DiagnosticsListenerTests
{
    [Theory]
    [InlineData("https://0.0.0.0:8443", "0.0.0.0", 8443, true)]
    [InlineData("https://127.0.0.1:8443", "127.0.0.1", 8443, true)]
    [InlineData("https://*:8443", "0.0.0.0", 8443, true)]
    [InlineData("https://[::]:8443", "::", 8443, true)]
    [InlineData("http://localhost:0", "127.0.0.1", 0, false)]
    [InlineData("http://127.0.0.1:8080", "127.0.0.1", 8080, false)]
    [InlineData("http://[::1]:8080", "::1", 8080, false)]
    public void Urls_become_listen_addresses(string url, string address, int port, bool https)
    {
        Assert.True(DiagnosticsListener.TryParse(url, out var listener, out var problem), problem);
        Assert.Equal(address, listener.Address.ToString());
        Assert.Equal(port, listener.Port);
        Assert.Equal(https, listener.Https);
    }

    [Theory]
    [InlineData("0.0.0.0:8080")]
    [InlineData("ftp://0.0.0.0:21")]
    [InlineData("http://gateway.local:8080")]
    [InlineData("http://0.0.0.0:8080/diag")]
    public void Other_urls_are_refused_with_a_reason(string url)
    {
        Assert.False(DiagnosticsListener.TryParse(url, out _, out var problem));
        Assert.StartsWith("expected", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://*:8080")]
    [InlineData("http://[::]:8080")]
    [InlineData("http://192.168.1.20:8080")]
    public void Plain_http_off_loopback_is_one_line_naming_the_https_alternative(string url)
    {
        var problems = new DiagnosticsOptionsValidator().Validate(null, new DiagnosticsOptions { Url = url }).Failures ?? [];

        var line = Assert.Single(problems);
        Assert.StartsWith($"Diagnostics:Url = '{url}': plain http:// only on loopback", line, StringComparison.Ordinal);
        Assert.Contains("expected https://", line, StringComparison.Ordinal);
    }

    [Fact]
    public void The_page_is_https_by_default_and_needs_a_certificate_or_a_data_folder_to_make_one()
    {
        var defaults = new DiagnosticsOptions();
        var withData = new DiagnosticsOptions { DataDir = "/var/lib/edgegw" };

        Assert.Equal("https://0.0.0.0:8443", defaults.Url);
        Assert.StartsWith("Diagnostics:CertificatePath = ''", Assert.Single(new DiagnosticsOptionsValidator().Validate(null, defaults).Failures ?? []), StringComparison.Ordinal);
        Assert.True(new DiagnosticsOptionsValidator().Validate(null, withData).Succeeded);
        Assert.Equal(Path.Combine("/var/lib/edgegw", "page-tls", "page.crt"), withData.CertificateFiles!.Certificate);
    }

    [Theory]
    [InlineData("https://relay.example.com", null)]
    [InlineData("http://127.0.0.1:8080", null)]
    [InlineData("http://localhost:8080", null)]
    [InlineData("http://[::1]:8080", null)]
    [InlineData("http://example.com", "expected https://example.com: the claim returns the device's token")]
    [InlineData("http://10.0.0.5:8080", "expected https://10.0.0.5:8080")]
    [InlineData("ftp://relay", "expected an https:// URL")]
    public void Claims_need_https_except_to_a_relay_on_this_machine(string url, string? problem)
    {
        var found = GatewaySettingsValidator.RelayUrl(url);

        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.StartsWith(problem, found, StringComparison.Ordinal);
        }
    }
}

[Trait("Category", "Unit")]
public sealed class CameraFlagsTests
{
    [Fact]
    public void A_camera_flag_keeps_commas_inside_the_url_and_fills_defaults()
    {
        var problems = new List<ConfigProblem>();
        var cameras = CameraFlags.Parse(["id=k1,url=rtsp://cam/s?a=1,b=2"], ["k1/prep=0.1:0.1;0.9:0.1;0.5:0.9"], problems);
        Assert.Empty(problems);
        var camera = Assert.Single(cameras);
        Assert.Equal("rtsp://cam/s?a=1,b=2", camera.Url);
        Assert.Equal("kitchen", camera.Role);
        Assert.Equal("face-mask-retina", camera.Model);
        Assert.Equal([(0.1, 0.1), (0.9, 0.1), (0.5, 0.9)], Assert.Single(camera.Zones).Points);
    }

    [Theory]
    [InlineData("url=rtsp://cam/s", "expected at least id=… and url=…")]
    [InlineData("colour=red,id=k1,url=rtsp://cam/s", "expected key=value pairs with keys id, url, role, model")]
    public void Bad_camera_flags_are_one_problem_each(string flag, string expected)
    {
        var problems = new List<ConfigProblem>();
        CameraFlags.Parse([flag], [], problems);
        var problem = Assert.Single(problems);
        Assert.Equal("--camera", problem.Key);
        Assert.StartsWith(expected, problem.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zone_on_an_unknown_camera_is_refused()
    {
        var problems = new List<ConfigProblem>();
        CameraFlags.Parse(["id=k1,url=rtsp://cam/s"], ["k2/prep=0:0;1:0;1:1"], problems);
        Assert.Equal("--zone = 'k2/prep=0:0;1:0;1:1': expected the id of a camera given with --camera (k1)", Assert.Single(problems).ToString());
    }
}

[Trait("Category", "Unit")]
public sealed class HostReadingsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("readings-").FullName;

    [Fact]
    public void Cpu_memory_and_the_hottest_zone_come_from_proc_and_sys()
    {
        var proc = Directory.CreateDirectory(Path.Combine(_root, "proc")).FullName;
        var sys = Path.Combine(_root, "sys");
        File.WriteAllText(Path.Combine(proc, "meminfo"), "MemTotal:        4096000 kB\nMemFree:  1 kB\nMemAvailable:    1024000 kB\n");
        Directory.CreateDirectory(Path.Combine(sys, "class", "thermal", "thermal_zone0"));
        Directory.CreateDirectory(Path.Combine(sys, "class", "thermal", "thermal_zone1"));
        File.WriteAllText(Path.Combine(sys, "class", "thermal", "thermal_zone0", "temp"), "48250\n");
        File.WriteAllText(Path.Combine(sys, "class", "thermal", "thermal_zone1", "temp"), "61500\n");
        var readings = new HostReadings(proc, sys);

        File.WriteAllText(Path.Combine(proc, "stat"), "cpu  100 0 100 800 0 0 0 0 0 0\n");
        Assert.Null(readings.CpuPercent()); // Needs two readings.
        File.WriteAllText(Path.Combine(proc, "stat"), "cpu  250 0 150 900 0 0 0 0 0 0\n");
        Assert.Equal(66.7, readings.CpuPercent());
        Assert.Equal((3000.0, 4000.0), readings.Memory());
        Assert.Equal(61.5, readings.TemperatureC());
    }

    [Fact]
    public void A_box_without_sensors_reports_none()
    {
        var readings = new HostReadings(Path.Combine(_root, "none"), Path.Combine(_root, "none"));
        Assert.Null(readings.CpuPercent());
        Assert.Null(readings.Memory());
        Assert.Null(readings.TemperatureC());
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

[Trait("Category", "Unit")]
public sealed class ConfigFileModeTests : IDisposable
{
    private readonly string _path = Path.Combine(Directory.CreateTempSubdirectory("edgegw-mode-").FullName, "gateway.json");

    [Fact]
    public void A_secrets_file_that_others_can_read_gets_a_warning_naming_the_mode_and_the_fix()
    {
        File.WriteAllText(_path, "{}");
        File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var warning = GatewayConfigFile.SecretsExposure(_path, holdsSecrets: true);

        Assert.Equal($"warning: config file '{_path}' holds secrets but is mode 644, so other users can read it; run `chmod 600 {_path}`", warning);
    }

    [Fact]
    public void Mode_600_or_a_file_without_secrets_gets_no_warning()
    {
        File.WriteAllText(_path, "{}");
        File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Null(GatewayConfigFile.SecretsExposure(_path, holdsSecrets: true));

        File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Assert.Null(GatewayConfigFile.SecretsExposure(_path, holdsSecrets: false));
    }

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_path)!, recursive: true);
}

/// <summary>The doctor's sensor probe against the register-level simulated chips.</summary>
[Trait("Category", "Unit")]
public sealed class BoardSensorProbeTests
{
    [Fact]
    public void Each_sensor_passes_when_its_chip_answers_with_its_id()
    {
        var accelerometer = BoardCheck.ProbeSensor(1, new I2cChip("mpu6050", 0x68), "accelerometer",
            BoardCheck.Mpu6050WhoAmI, BoardCheck.Mpu6050Id, _ => new SimulatedMpu6050());
        var barometer = BoardCheck.ProbeSensor(1, new I2cChip("bmp280", 0x76), "barometer",
            BoardCheck.Bmp280IdRegister, BoardCheck.Bmp280Id, _ => new SimulatedBmp280());

        Assert.Equal(DoctorStatus.Pass, accelerometer.Status);
        Assert.Equal("mpu6050 on i2c-1 at 0x68 answers (id 0x68)", accelerometer.Detail);
        Assert.Equal(DoctorStatus.Pass, barometer.Status);
        Assert.Equal("bmp280 on i2c-1 at 0x76 answers (id 0x58)", barometer.Detail);
    }

    [Fact]
    public void Another_chip_at_the_barometer_address_fails_naming_both_ids()
    {
        var result = BoardCheck.ProbeSensor(1, new I2cChip("bmp280", 0x68), "barometer",
            BoardCheck.Bmp280IdRegister, BoardCheck.Bmp280Id, _ => new SimulatedMpu6050());

        Assert.Equal(DoctorStatus.Fail, result.Status);
        Assert.Equal("bmp280 on i2c-1 at 0x68 answered id 0x00; expected 0x58", result.Detail);
        Assert.Contains("i2cdetect -y 1", result.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_silent_address_fails_with_the_bus_error_and_a_wiring_hint()
    {
        var result = BoardCheck.ProbeSensor(1, new I2cChip("mpu6050", 0x69), "accelerometer",
            BoardCheck.Mpu6050WhoAmI, BoardCheck.Mpu6050Id, _ => throw new IOException("Error 6 performing I2C data transfer."));

        Assert.Equal(DoctorStatus.Fail, result.Status);
        Assert.Equal("mpu6050 on i2c-1 at 0x69 does not answer: Error 6 performing I2C data transfer.", result.Detail);
        Assert.Contains("check its wiring, power and address", result.Hint, StringComparison.Ordinal);
    }
}

[Trait("Category", "Unit")]
public sealed class BoardDoorCommandTests
{
    [Fact]
    public void Doctor_notes_that_door_failures_are_off_on_a_board_without_door_commands()
    {
        var json = File.ReadAllText(Path.Combine(EdgeGateway.Testing.RepoPaths.Root, "hardware", "profiles", "rpi4.json"));
        var wired = BoardCheck.DoorCommands(BoardProfileLoader.Parse(json, "rpi4.json"), "rpi4");
        var bare = string.Join('\n', json.Split('\n').Where(l => !l.Contains("_cmd\"", StringComparison.Ordinal)))
            .Replace("\"debounce_ms\": 50 },\n  }", "\"debounce_ms\": 50 }\n  }", StringComparison.Ordinal);
        var missing = BoardCheck.DoorCommands(BoardProfileLoader.Parse(bare, "rpi4.json"), "rpi4");

        Assert.Equal(DoctorStatus.Pass, wired.Status);
        Assert.Equal(DoctorStatus.Warn, missing.Status);
        Assert.Contains("door_open_failure and door_close_failure are disabled", missing.Detail, StringComparison.Ordinal);
    }
}
