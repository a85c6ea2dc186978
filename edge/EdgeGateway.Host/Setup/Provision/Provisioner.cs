using EdgeGateway.Contracts;
using EdgeGateway.Host.Configuration;
using EdgeGateway.Host.Diagnostics;
using EdgeGateway.DurableFiles;
using Spectre.Console;

namespace EdgeGateway.Host.Setup.Provision;

/// <summary>
/// Takes a blank box to a registered gateway: collects the settings (flags first, prompts for the
/// rest when a person is at the keyboard), validates every field before anything is spent or
/// written, claims the device at the relay, fetches the models and writes the config file.
/// </summary>
internal sealed class Provisioner(IAnsiConsole console, HttpClient http, TimeProvider time, InstallCatalog catalog, IModelFetcher models)
{
    public const string DefaultDataDir = Core.GatewayPaths.DefaultDataDir;

    /// <summary>The system user the package creates and the systemd unit runs the service as.</summary>
    public const string ServiceUser = "edgegw";
    public const string DefaultDiagnosticsUrl = DiagnosticsOptions.DefaultUrl;
    private const string PendingClaim = "pending-claim";

    public async Task<int> RunAsync(ProvisionInput input, bool interactive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var path = input.ConfigPath;
        if (File.Exists(path) && !input.Force)
        {
            Error($"{path} already exists; pass --force to replace it (the old file is kept as a backup)");
            return ExitCodes.CannotWrite;
        }

        if (ConfigFileWriter.CheckWritable(path) is { } unwritable)
        {
            Error(unwritable);
            return ExitCodes.CannotWrite;
        }

        if (File.Exists(path) && GatewayConfigFile.Check(path) is { } broken)
        {
            Error($"{broken}; fix or move it aside, then run provision again");
            return ExitCodes.InvalidInput;
        }

        var root = ConfigFileWriter.Load(path);
        var existing = GatewaySettings.Read(new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path), optional: true).Build());
        var problems = new List<ConfigProblem>();
        var cameras = CameraFlags.Parse(input.Cameras, input.Zones, problems);
        var settings = existing with
        {
            DeviceId = input.DeviceId ?? existing.DeviceId,
            SiteId = input.SiteId ?? existing.SiteId,
            DataDir = input.DataDir ?? existing.DataDir ?? DefaultDataDir,
            ModelsDir = input.ModelsDir ?? existing.ModelsDir,
            Cameras = cameras.Count > 0 ? cameras : existing.Cameras,
            Board = input.Board ?? existing.Board,
            Broker = input.Broker ?? existing.Broker,
            Username = input.Username ?? existing.Username,
            Password = input.Password ?? existing.Password,
            Encoding = input.Encoding ?? existing.Encoding ?? "cbor",
            RelayUrl = input.RelayUrl ?? existing.RelayUrl,
            DiagnosticsUrl = input.DiagnosticsUrl ?? existing.DiagnosticsUrl ?? DefaultDiagnosticsUrl,
        };
        var claimCode = input.ClaimCode;
        var technicianPassword = input.DiagnosticsPassword;
        var relayCa = input.RelayCaFingerprint;

        if (interactive && problems.Count == 0)
        {
            (settings, claimCode, technicianPassword, relayCa) = Ask(settings, claimCode, technicianPassword, relayCa);
        }

        string? pinnedCa = null;
        if (relayCa is not null && RelayCaPin.Parse(relayCa, out pinnedCa) is { } badPin)
        {
            problems.Add(new ConfigProblem("--relay-ca-fingerprint", relayCa, badPin));
        }

        if (technicianPassword is not null)
        {
            if (TechnicianPassword.Weakness(technicianPassword) is { } weakness)
            {
                problems.Add(new ConfigProblem("technician password", "(hidden)", weakness));
            }
            else
            {
                settings = settings with { PasswordHash = TechnicianPassword.Hash(technicianPassword) };
            }
        }

        if (!string.IsNullOrEmpty(claimCode) && string.IsNullOrEmpty(settings.RelayUrl))
        {
            problems.Add(new ConfigProblem("--relay-url", string.Empty, "expected the relay's https:// URL because --claim-code is given"));
        }

        // Before a one-time claim code is spent, everything else must already be right.
        var claiming = !string.IsNullOrEmpty(claimCode);
        if (claiming && relayCa is null && !interactive && settings.CaFile is null
            && Uri.TryCreate(settings.RelayUrl, UriKind.Absolute, out var relayUri) && relayUri.Scheme == Uri.UriSchemeHttps)
        {
            problems.Add(new ConfigProblem("--relay-ca-fingerprint", string.Empty, RelayCaPin.Missing));
        }

        var toCheck = claiming
            ? settings with
            {
                DeviceId = settings.DeviceId ?? PendingClaim,
                SiteId = settings.SiteId ?? PendingClaim,
                Username = PendingClaim,
                Password = PendingClaim,
            }
            : settings;
        problems.AddRange(GatewaySettingsValidator.Validate(toCheck, catalog)
            .Where(p => technicianPassword is null || p.Key != ConfigKeys.PasswordHash)); // Already said above.
        // The installer's own rules, then run's over the file that would be written: one owner per field.
        List<string> lines = [.. problems.Select(p => p.ToString()), .. StartupValidation.Problems(WouldBe(root, toCheck))];
        if (lines.Count > 0)
        {
            console.MarkupLine($"[red]{lines.Count} problem(s); nothing was written:[/]");
            foreach (var line in lines)
            {
                // Unwrapped, so each problem stays one line for people and for grep.
                console.Profile.Out.Writer.WriteLine($"  {line}");
            }

            return ExitCodes.InvalidInput;
        }

        // The evidence signing key (mode 600, kept on re-runs); the claim registers its public half at the relay.
        using var evidenceKey = Core.Evidence.EvidenceSigningKey.LoadOrCreate(
            Core.Evidence.EvidenceOptions.DefaultKeyPath(settings.DataDir ?? DefaultDataDir), out var evidenceKeyCreated);
        console.MarkupLineInterpolated($"Evidence signing key: [bold]{evidenceKey.Path}[/] ({(evidenceKeyCreated ? "new" : "kept")}, id {evidenceKey.KeyId}).");
        if (claiming)
        {
            var (credentials, refused) = await new RelayClaim(http).ClaimAsync(new Uri(settings.RelayUrl!), claimCode!.Trim(), cancellationToken, evidenceKey.PublicKeyPem);
            if (credentials is null)
            {
                Error(refused!);
                return ExitCodes.RelayRefused;
            }

            if ((settings.DeviceId is { } id && id != PendingClaim && id != credentials.Device)
                || (settings.SiteId is { } site && site != PendingClaim && site != credentials.Site))
            {
                console.MarkupLineInterpolated($"[yellow]The relay registered this claim code for device {credentials.Device} at {credentials.Site}; using those (you gave {settings.DeviceId} at {settings.SiteId}).[/]");
            }

            settings = settings with
            {
                DeviceId = credentials.Device,
                SiteId = credentials.Site,
                Username = credentials.Username,
                Password = credentials.Password,
            };
            if (BrokerFromClaim(path, settings, credentials, pinnedCa) is not { } withBroker)
            {
                return ExitCodes.RelayRefused;
            }

            console.MarkupLineInterpolated($"[green]Registered[/] at {settings.RelayUrl} as {credentials.Username}.");
            settings = withBroker;
        }

        if (input.GenerateKey)
        {
            var files = DeviceKeyPair.PathsBeside(path);
            DeviceKeyPair.Generate(files, settings.DeviceId!, settings.SiteId!, replace: false);
            if (File.Exists(files.CertificatePath))
            {
                // The operator's signed certificate is already in place: use the pair for mTLS.
                settings = settings with { ClientKey = files.KeyPath, ClientCertificate = files.CertificatePath };
                console.MarkupLineInterpolated($"mTLS: {files.CertificatePath} with key {files.KeyPath}.");
            }
            else
            {
                console.MarkupLineInterpolated($"Key pair: [bold]{files.KeyPath}[/] (mode 600, kept on re-runs). Have the operator sign [bold]{files.CsrPath}[/], put the certificate at {files.CertificatePath}, then run provision again with --force --generate-key to switch on mTLS.");
            }
        }

        settings = PageCertificateFor(path, settings);
        ConfigFileWriter.Apply(root, settings);
        var backup = ConfigFileWriter.Write(path, root, settings.HoldsSecrets, time);
        Summarise(path, backup, settings);

        try
        {
            // After the write, so a failed download never loses credentials a claim code paid for.
            if (!input.SkipModels)
            {
                try
                {
                    await FetchModelsAsync(settings, cancellationToken);
                }
                catch (Vision.Models.ModelException ex)
                {
                    Error($"{ex.Message}; the config is written, fetch the model later with `edgegw models fetch`");
                    return ExitCodes.Failed;
                }
            }

            return ExitCodes.Ok;
        }
        finally
        {
            GiveToServiceUser(path, backup, settings);
        }
    }

    /// <summary>
    /// The claim's answer names the broker (and, with TLS, the relay's CA), so the installer need not. A broker given
    /// with --broker wins. The CA is written beside the config as relay-ca.crt only when it is the one the installer
    /// pinned out of band (<c>--relay-ca-fingerprint</c>): an answer cannot vouch for its own CA. Null (after one line
    /// saying why) when the CA is not the pinned one: nothing may then be written.
    /// </summary>
    private GatewaySettings? BrokerFromClaim(string path, GatewaySettings settings, DeviceCredentials credentials, string? pinnedCa)
    {
        if (settings.Broker is null && credentials.Broker is { Length: > 0 } broker)
        {
            if (GatewaySettingsValidator.Broker(broker, required: true) is { } bad)
            {
                Error($"the relay named the broker '{broker}', which is unusable ({bad}); pass --broker and run provision again with a new claim code");
            }
            else
            {
                settings = settings with { Broker = broker };
                console.MarkupLineInterpolated($"Broker from the relay: [bold]{broker}[/]");
            }
        }

        if (settings.Broker is null)
        {
            console.MarkupLine("[yellow]The relay did not name its broker; set it with `edgegw provision --force --broker mqtts://host:8883`.[/]");
        }

        if (settings.CaFile is not null || credentials.CaPem is not { Length: > 0 } pem
            || !BrokerAddress.TryParse(settings.Broker, out var address, out _) || !address.Tls)
        {
            if (pinnedCa is not null && settings.CaFile is null)
            {
                console.MarkupLineInterpolated($"[yellow]--relay-ca-fingerprint is not used: the relay sent no CA for the broker {settings.Broker ?? "(none)"}.[/]");
            }

            return settings;
        }

        string fingerprint;
        try
        {
            using var authority = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(pem);
            fingerprint = RelayCaPin.Of(authority);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            Error("the relay sent a CA that is not a PEM certificate; nothing was written; ask the relay operator");
            return null;
        }

        if (pinnedCa is null)
        {
            Error($"--relay-ca-fingerprint = '': the relay's broker uses TLS, and its CA must match the fingerprint the relay operator gave you; nothing was written: run provision again with --relay-ca-fingerprint and a new claim code");
            return null;
        }

        if (!string.Equals(fingerprint, pinnedCa, StringComparison.Ordinal))
        {
            Error($"--relay-ca-fingerprint = '{pinnedCa}': the relay presented a CA with SHA-256 {fingerprint}, not the pinned one; nothing was written (check the relay URL and the fingerprint with the relay operator, then use a new claim code)");
            return null;
        }

        var caPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "relay-ca.crt");
        DurableFile.Write(caPath, System.Text.Encoding.ASCII.GetBytes(pem));
        console.MarkupLineInterpolated($"Relay CA: {caPath}, SHA-256 fingerprint [bold]{fingerprint}[/], as pinned");
        return settings with { CaFile = caPath };
    }

    /// <summary>
    /// Run as root (sudo, as the README says), provision has written the config, the keys and the
    /// models as root; the service runs as its own user, so they become that user's.
    /// </summary>
    private void GiveToServiceUser(string path, string? backup, GatewaySettings settings)
    {
        var keys = DeviceKeyPair.PathsBeside(path);
        string?[] paths =
        [
            path, backup, keys.KeyPath, keys.CsrPath, keys.CertificatePath,
            Core.Evidence.EvidenceOptions.DefaultKeyPath(settings.DataDir ?? DefaultDataDir),
            settings.DiagnosticsCertificate, settings.DiagnosticsCertificateKey, settings.DataDir, settings.ModelsDir, settings.CaFile,
        ];
        try
        {
            var changed = FileOwnership.GiveToServiceUser(ServiceUser, paths.OfType<string>().Select(Path.GetFullPath));
            if (changed.Count > 0)
            {
                console.MarkupLineInterpolated($"Config, keys and data now belong to the [bold]{ServiceUser}[/] user the service runs as ({changed.Count} files).");
            }
        }
        catch (IOException ex)
        {
            Error($"{ex.Message}; run `sudo chown -R {ServiceUser}:{ServiceUser} {Path.GetDirectoryName(Path.GetFullPath(path))} {settings.DataDir}` so the service can read its config");
        }
    }

    /// <summary>
    /// An https page gets its self-signed certificate now, beside the config (kept on re-runs), and the technician
    /// is told its fingerprint to compare with what the browser shows.
    /// </summary>
    private GatewaySettings PageCertificateFor(string path, GatewaySettings settings)
    {
        if (!DiagnosticsListener.TryParse(settings.DiagnosticsUrl, out var listener, out _) || !listener.Https)
        {
            return settings;
        }

        if (settings.DiagnosticsCertificate is { Length: > 0 } configured)
        {
            console.MarkupLineInterpolated($"Diagnostics page certificate: {configured}, SHA-256 fingerprint [bold]{PageCertificate.Fingerprint(configured)}[/]");
            return settings;
        }

        var files = PageCertificate.BesideConfig(path);
        var created = PageCertificate.Ensure(files, time);
        console.MarkupLineInterpolated($"Diagnostics page certificate: {files.Certificate} ({(created ? "new" : "kept")}; key {files.Key}, mode 600)");
        console.MarkupLineInterpolated($"Diagnostics page SHA-256 fingerprint: [bold]{PageCertificate.Fingerprint(files.Certificate)}[/] (compare it with what the browser shows on first visit)");
        return settings with { DiagnosticsCertificate = files.Certificate, DiagnosticsCertificateKey = files.Key };
    }

    /// <summary>The config as `edgegw run` would read it once written.</summary>
    private static Microsoft.Extensions.Configuration.IConfiguration WouldBe(System.Text.Json.Nodes.JsonObject root, GatewaySettings settings)
    {
        var copy = (System.Text.Json.Nodes.JsonObject)root.DeepClone();
        ConfigFileWriter.Apply(copy, settings);
        using var json = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(copy.ToJsonString()));
        return new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddJsonStream(json).Build();
    }

    private async Task FetchModelsAsync(GatewaySettings settings, CancellationToken cancellationToken)
    {
        var names = settings.Cameras.Select(c => c.Model).Where(m => !m.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)).Distinct(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
        {
            return;
        }

        var done = new List<string>();
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                foreach (var name in names)
                {
                    var task = context.AddTask($"model {name}", maxValue: 100);
                    task.IsIndeterminate = true;
                    var percent = new Progress<double>(value =>
                    {
                        task.IsIndeterminate = false;
                        task.Value = value;
                    });
                    done.Add(await models.FetchAsync(name, settings.ModelsDir, percent, cancellationToken));
                    task.IsIndeterminate = false;
                    task.Value = 100;
                }
            });
        foreach (var line in done)
        {
            console.WriteLine(line);
        }
    }

    private (GatewaySettings Settings, string? ClaimCode, string? Password, string? RelayCa) Ask(GatewaySettings settings, string? claimCode, string? password, string? relayCa)
    {
        console.Write(new Rule("[bold]edgegw provision[/]").LeftJustified());
        console.MarkupLine("Press Enter to keep the value in brackets. Every answer is checked as you type it.");

        if (string.IsNullOrEmpty(settings.RelayUrl) && string.IsNullOrEmpty(claimCode) && string.IsNullOrEmpty(settings.Username))
        {
            var relay = AskText("Relay URL [grey](empty to enter broker credentials by hand)[/]", null, v => GatewaySettingsValidator.RelayUrl(v), optional: true);
            settings = settings with { RelayUrl = relay };
        }

        if (!string.IsNullOrEmpty(settings.RelayUrl) && string.IsNullOrEmpty(claimCode) && string.IsNullOrEmpty(settings.Username))
        {
            claimCode = AskText("Claim code from the relay operator", null, v => string.IsNullOrWhiteSpace(v) ? "expected the code, e.g. ABCD-EFGH-JKLM" : null);
        }

        var claiming = !string.IsNullOrEmpty(claimCode);
        if (claiming && relayCa is null && settings.CaFile is null)
        {
            // Typed from what the operator gave, never shown from the relay's answer: that would only trust the answer.
            relayCa = AskText(
                "Relay CA SHA-256 fingerprint from the relay operator [grey](empty when its broker has no TLS)[/]",
                null,
                v => RelayCaPin.Parse(v, out _),
                optional: true);
        }

        if (!claiming || settings.DeviceId is not null)
        {
            settings = settings with { DeviceId = AskText("Device id", settings.DeviceId, GatewaySettingsValidator.DeviceName) };
        }

        if (!claiming || settings.SiteId is not null)
        {
            settings = settings with { SiteId = AskText("Site id", settings.SiteId, GatewaySettingsValidator.DeviceName) };
        }

        if (settings.Cameras.Count == 0)
        {
            var cameras = new List<CameraSettings>();
            while (console.Confirm(cameras.Count == 0 ? "Add a camera?" : "Add another camera?", defaultValue: cameras.Count == 0))
            {
                cameras.Add(AskCamera(cameras.Count + 1));
            }

            settings = settings with { Cameras = cameras };
        }

        if (settings.Board is null)
        {
            var boards = catalog.Boards.Count > 0 ? $" ({string.Join(", ", catalog.Boards)})" : string.Empty;
            settings = settings with { Board = AskText($"Elevator board profile{boards} [grey](empty for none)[/]", null, v => GatewaySettingsValidator.Board(v, catalog), optional: true) };
        }

        if (!claiming)
        {
            // A claim's answer names the broker; only hand-entered credentials need it typed.
            settings = settings with { Broker = AskText("MQTT broker", settings.Broker, v => GatewaySettingsValidator.Broker(v, required: true)) };
        }
        if (!claiming && string.IsNullOrEmpty(settings.Username))
        {
            settings = settings with
            {
                Username = AskText("Broker user name", null, v => string.IsNullOrWhiteSpace(v) ? "expected the device's user name" : null),
                Password = AskSecret("Broker password"),
            };
        }

        if (password is null && string.IsNullOrEmpty(settings.PasswordHash))
        {
            while (true)
            {
                password = AskSecret($"Technician password for the diagnostics page (at least {TechnicianPassword.MinimumLength} characters)", TechnicianPassword.Weakness);
                if (AskSecret("Type it again") == password)
                {
                    break;
                }

                console.MarkupLine("[red]The two passwords differ; try again.[/]");
            }
        }

        return (settings, claimCode, password, relayCa);
    }

    private CameraSettings AskCamera(int number)
    {
        var id = AskText("  Camera id", $"k{number}", GatewaySettingsValidator.CameraId);
        var url = AskText("  Stream URL (rtsp://…, http://… MJPEG, /dev/videoN or a file)", null, GatewaySettingsValidator.CameraUrl);
        var role = Choose("  Role", GatewaySettingsValidator.Roles);
        var modelChoices = catalog.Models.Count > 0 ? catalog.Models : [CameraFlags.DefaultModel, "yolox-nano-coco80"];
        var model = Choose("  Detector model", modelChoices);
        var zones = new List<ZoneSettings>();
        while (true)
        {
            var zone = AskText("  Zone as name=x:y;x:y;x:y… in fractions of the image [grey](empty when done)[/]", null, ZoneProblem, optional: true);
            if (zone is null)
            {
                break;
            }

            var parts = zone.Split('=', 2);
            zones.Add(new ZoneSettings(parts[0].Trim(), CameraFlags.ParsePoints(parts[1])!));
        }

        return new CameraSettings(id!, url!, role, model, zones);
    }

    /// <summary>A selection prompt whose answer stays in the transcript: Spectre's prompt erases itself when answered.</summary>
    private string Choose(string title, IEnumerable<string> choices)
    {
        var answer = console.Prompt(new SelectionPrompt<string>().Title(title).AddChoices(choices));
        console.MarkupLineInterpolated($"{title}: [bold]{answer}[/]");
        return answer;
    }

    private static string? ZoneProblem(string? text)
    {
        var parts = text?.Split('=', 2);
        if (parts is not [var name, var points])
        {
            return "expected name=x:y;x:y;x:y, e.g. prep=0.1:0.2;0.9:0.2;0.9:0.95";
        }

        return GatewaySettingsValidator.Name(name.Trim())
               ?? (CameraFlags.ParsePoints(points) is { } parsed ? GatewaySettingsValidator.Zone(parsed) : "expected points as x:y separated by ';'");
    }

    private string? AskText(string question, string? current, Func<string?, string?> problem, bool optional = false)
    {
        var prompt = new TextPrompt<string>(question).AllowEmpty();
        if (current is not null)
        {
            prompt.DefaultValue(current);
        }

        prompt.Validate(answer => optional && string.IsNullOrWhiteSpace(answer)
            ? ValidationResult.Success()
            : problem(answer.Trim()) is { } expected ? ValidationResult.Error($"[red]{Markup.Escape(expected)}[/]") : ValidationResult.Success());
        var value = console.Prompt(prompt).Trim();
        return value.Length == 0 ? null : value;
    }

    private string AskSecret(string question, Func<string?, string?>? problem = null)
    {
        var prompt = new TextPrompt<string>(question).Secret();
        if (problem is not null)
        {
            prompt.Validate(answer => problem(answer) is { } expected ? ValidationResult.Error($"[red]{Markup.Escape(expected)}[/]") : ValidationResult.Success());
        }

        return console.Prompt(prompt);
    }

    private void Summarise(string path, string? backup, GatewaySettings settings)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("setting", "value");
        table.AddRow("config file", Markup.Escape($"{path} (mode {(settings.HoldsSecrets ? "600" : "644")})"));
        if (backup is not null)
        {
            table.AddRow("previous file kept as", Markup.Escape(backup));
        }

        table.AddRow("device", Markup.Escape($"{settings.DeviceId} at {settings.SiteId}"));
        foreach (var camera in settings.Cameras)
        {
            table.AddRow(
                $"camera {Markup.Escape(camera.Id)}",
                Markup.Escape($"{GatewaySettingsValidator.Redacted(camera.Url)} ({camera.Role}, {camera.Model}, {camera.Zones.Count} zone(s))"));
        }

        table.AddRow("elevator board", Markup.Escape(settings.Board ?? "none"));
        table.AddRow("uplink", Markup.Escape($"{settings.Broker ?? "none"} as {settings.Username ?? "-"}, {settings.Encoding}"));
        table.AddRow("diagnostics page", Markup.Escape($"{settings.DiagnosticsUrl}, technician password set"));
        console.Write(table);
        console.MarkupLineInterpolated($"Next: [bold]edgegw doctor --config {path}[/], then [bold]systemctl enable --now edgegw[/].");
    }

    private void Error(string line)
    {
        console.Markup("[red]error:[/] ");
        console.Profile.Out.Writer.WriteLine(line);
    }
}
