using System.CommandLine;
using EdgeGateway.Host.Configuration;
using EdgeGateway.Host.Gateway;
using EdgeGateway.Host.Setup;
using EdgeGateway.Host.Setup.Doctor;
using EdgeGateway.Host.Setup.Provision;
using EdgeGateway.Contracts.Passwords;
using Spectre.Console;

namespace EdgeGateway.Host.Commands;

/// <summary>Installer and technician verbs: provision, doctor.</summary>
internal static class SetupCommands
{
    public const string DiagnosticsPasswordVariable = "EDGEGW_DIAGNOSTICS_PASSWORD";
    public const string UplinkPasswordVariable = "EDGEGW_UPLINK_PASSWORD";

    public static void Register(RootCommand root) => Register(root, AnsiConsole.Console, modelFetcher: null);

    /// <summary>Tests pass their own console to read what the installer would see, and their own stdin.</summary>
    public static void Register(RootCommand root, IAnsiConsole console, IModelFetcher? modelFetcher, TextReader? stdin = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(console);
        if (Console.IsOutputRedirected && ReferenceEquals(console, AnsiConsole.Console))
        {
            console.Profile.Width = Math.Max(console.Profile.Width, 200); // Logs and pipes are not 80 columns.
        }

        root.Subcommands.Add(Provision(console, modelFetcher, stdin ?? Console.In));
        root.Subcommands.Add(Doctor(console));
    }

    private static Option<string> ConfigOption() => new("--config")
    {
        Description = "The gateway config file",
        DefaultValueFactory = _ => GatewayConfigFile.DefaultPath,
    };

    private static Command Provision(IAnsiConsole console, IModelFetcher? modelFetcher, TextReader stdin)
    {
        var config = ConfigOption();
        var force = new Option<bool>("--force") { Description = "Replace an existing config file (it is kept as <file>.bak-<time>)" };
        var nonInteractive = new Option<bool>("--non-interactive", "-y") { Description = "Never prompt; fail with one line per missing or bad value" };
        var deviceId = new Option<string?>("--device-id") { Description = "This box's id, e.g. kitchen-0042 (taken from the relay when claiming)" };
        var site = new Option<string?>("--site") { Description = "The site id, e.g. xuhui-0193 (taken from the relay when claiming)" };
        var dataDir = new Option<string?>("--data-dir") { Description = $"Outbox, sequence and page keys (default {Provisioner.DefaultDataDir})" };
        var modelsDir = new Option<string?>("--models-dir") { Description = "Where model weights are cached (Models:CacheDir; default /var/lib/edgegw/models)" };
        var camera = new Option<string[]>("--camera")
        {
            Description = "A camera: id=k1,url=rtsp://10.0.0.21/stream1,role=kitchen|car,model=face-mask-retina (repeat per camera)",
            AllowMultipleArgumentsPerToken = false,
        };
        var zone = new Option<string[]>("--zone") { Description = "A zone on a camera: k1/prep=0.1:0.2;0.9:0.2;0.9:0.95 (x:y fractions; repeatable)" };
        var board = new Option<string?>("--board") { Description = "Elevator board profile (Elevator:Board), e.g. sim" };
        var broker = new Option<string?>("--broker") { Description = "MQTT broker, mqtts://host:8883" };
        var username = new Option<string?>("--username") { Description = "Broker user name, when not claiming" };
        // Passwords never as a flag's value: --password and --diagnostics-password stay only to be refused in one line.
        var password = new Option<string?>("--password") { Hidden = true };
        var passwordFile = new Option<string?>("--password-file") { Description = $"Broker password, when not claiming: a file (mode 600) holding it (or set {UplinkPasswordVariable})" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Broker password, when not claiming: one line read from stdin" };
        var encoding = new Option<string?>("--encoding") { Description = "Alert encoding on the wire: cbor (default) or json" };
        var relayUrl = new Option<string?>("--relay-url") { Description = "The cloud relay, https://relay.example.com" };
        var claimCode = new Option<string?>("--claim-code") { Description = "One-time claim code from the relay operator; exchanged for device credentials" };
        var generateKey = new Option<bool>("--generate-key") { Description = "Create an EC P-256 key and a CSR for mTLS beside the config file" };
        var diagnosticsUrl = new Option<string?>("--diagnostics-url") { Description = $"Where the page listens (default {Provisioner.DefaultDiagnosticsUrl})" };
        var diagnosticsPassword = new Option<string?>("--diagnostics-password") { Hidden = true };
        var diagnosticsPasswordFile = new Option<string?>("--diagnostics-password-file")
        {
            Description = $"Technician password for the page, stored hashed: a file (mode 600) holding it (or set {DiagnosticsPasswordVariable}, or answer the prompt)",
        };
        var diagnosticsPasswordStdin = new Option<bool>("--diagnostics-password-stdin") { Description = "Technician password for the page: one line read from stdin" };
        var relayCa = new Option<string?>("--relay-ca-fingerprint")
        {
            Description = "SHA-256 fingerprint of the relay's CA, as the relay operator gave it; the claim's CA must match it",
        };
        var skipModels = new Option<bool>("--skip-models") { Description = "Do not fetch the cameras' detector models now" };

        var command = new Command("provision", "Set up this box: identity, cameras, board, uplink, relay registration, page password");
        foreach (Option option in new Option[]
                 {
                     config, force, nonInteractive, deviceId, site, dataDir, modelsDir, camera, zone, board, broker, username, password,
                     passwordFile, passwordStdin, encoding, relayUrl, claimCode, relayCa, generateKey, diagnosticsUrl, diagnosticsPassword,
                     diagnosticsPasswordFile, diagnosticsPasswordStdin, skipModels,
                 })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var refused = new List<string>();
            if (parse.GetValue(password) is not null)
            {
                refused.Add(SecretInput.FlagRefused("--password", "--password-file", "--password-stdin", UplinkPasswordVariable));
            }

            if (parse.GetValue(diagnosticsPassword) is not null)
            {
                refused.Add(SecretInput.FlagRefused("--diagnostics-password", "--diagnostics-password-file", "--diagnostics-password-stdin", DiagnosticsPasswordVariable));
            }

            if (parse.GetValue(passwordStdin) && parse.GetValue(diagnosticsPasswordStdin))
            {
                refused.Add("--password-stdin and --diagnostics-password-stdin are both given; stdin holds one of them, give the other as a file");
            }

            string? uplinkPassword = null;
            string? technicianPassword = null;
            if (refused.Count == 0)
            {
                uplinkPassword = SecretInput.Read(parse.GetValue(passwordFile), parse.GetValue(passwordStdin), "--password-file", "--password-stdin", stdin, out var uplinkProblem);
                technicianPassword = SecretInput.Read(
                    parse.GetValue(diagnosticsPasswordFile), parse.GetValue(diagnosticsPasswordStdin), "--diagnostics-password-file", "--diagnostics-password-stdin", stdin, out var technicianProblem);
                refused.AddRange(new[] { uplinkProblem, technicianProblem }.OfType<string>());
            }

            if (refused.Count > 0)
            {
                foreach (var line in refused)
                {
                    console.Markup("[red]error:[/] ");
                    console.Profile.Out.Writer.WriteLine(line);
                }

                return ExitCodes.InvalidInput;
            }

            var input = new ProvisionInput
            {
                ConfigPath = parse.GetValue(config)!,
                Force = parse.GetValue(force),
                NonInteractive = parse.GetValue(nonInteractive),
                GenerateKey = parse.GetValue(generateKey),
                SkipModels = parse.GetValue(skipModels),
                DeviceId = parse.GetValue(deviceId),
                SiteId = parse.GetValue(site),
                DataDir = parse.GetValue(dataDir),
                ModelsDir = parse.GetValue(modelsDir),
                Cameras = parse.GetValue(camera) ?? [],
                Zones = parse.GetValue(zone) ?? [],
                Board = parse.GetValue(board),
                Broker = parse.GetValue(broker),
                Username = parse.GetValue(username),
                Password = uplinkPassword ?? Environment.GetEnvironmentVariable(UplinkPasswordVariable),
                Encoding = parse.GetValue(encoding),
                RelayUrl = parse.GetValue(relayUrl),
                ClaimCode = parse.GetValue(claimCode),
                RelayCaFingerprint = parse.GetValue(relayCa),
                DiagnosticsUrl = parse.GetValue(diagnosticsUrl),
                DiagnosticsPassword = technicianPassword ?? Environment.GetEnvironmentVariable(DiagnosticsPasswordVariable),
            };
            var interactive = !input.NonInteractive && console.Profile.Capabilities.Interactive && !Console.IsInputRedirected;
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
            var provisioner = new Provisioner(console, http, TimeProvider.System, InstallCatalog.Discover(), modelFetcher ?? new CatalogModelFetcher());
            return await provisioner.RunAsync(input, interactive, cancellationToken);
        });
        return command;
    }

    private static Command Doctor(IAnsiConsole console)
    {
        var config = GatewayConfigLoader.ConfigOption("The gateway config file to check");
        var command = new Command("doctor", "Check this box: config, models, cameras, GPIO/I2C, broker, disk, clock; exit 1 on any failure");
        command.Options.Add(config);
        command.SetAction(async (parse, cancellationToken) =>
        {
            // The same loader as `run` (file, EDGEGW_*, flags); the config check reports a missing or broken file itself.
            var loaded = GatewayConfigLoader.Load(parse, config, ConfigFileUse.Inspect);
            await using var services = GatewayServiceCollectionExtensions.BuildGatewayServices(loaded.Configuration, console: false);
            var context = new DoctorContext(loaded.Configuration, loaded.FilePath, TimeProvider.System, Services: services);
            var report = await GatewayDoctor.Default(InstallCatalog.Discover()).RunAsync(context, cancellationToken);
            Print(console, report);
            return report.Failed ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    private static void Print(IAnsiConsole console, DoctorReport report)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("check", "result", "detail", "hint");
        foreach (var result in report.Results)
        {
            var status = result.Status switch
            {
                DoctorStatus.Pass => "[green]pass[/]",
                DoctorStatus.Warn => "[yellow]warn[/]",
                _ => "[red]FAIL[/]",
            };
            table.AddRow(Markup.Escape(result.Check), status, Markup.Escape(result.Detail), Markup.Escape(result.Hint ?? string.Empty));
        }

        console.Write(table);
        console.MarkupLineInterpolated(
            $"{report.Count(DoctorStatus.Pass)} pass, {report.Count(DoctorStatus.Warn)} warn, {report.Count(DoctorStatus.Fail)} fail in {report.Seconds} s");
    }
}
