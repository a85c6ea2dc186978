using System.CommandLine;
using System.Diagnostics;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Health;
using EdgeGateway.Host.Configuration;
using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Host.Diagnostics.Commissioning;
using EdgeGateway.Host.Diagnostics.Text;
using EdgeGateway.Host.Gateway;
using EdgeGateway.Host.Setup;
using EdgeGateway.Host.Setup.Doctor;
using EdgeGateway.Host.Setup.Provision;
using EdgeGateway.DurableFiles;
using EdgeGateway.Uplink;
using EdgeGateway.Uplink.Configuration;
using EdgeGateway.Uplink.Segments;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using EdgeGateway.Core.Configuration;

namespace EdgeGateway.Host.Commands;

/// <summary><c>edgegw report</c>: the commissioning record (验收记录) as one self-contained HTML file.</summary>
internal static class ReportCommands
{
    public static void Register(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var config = GatewayConfigLoader.ConfigOption("The gateway config file");
        var output = new Option<string>("--out") { Description = "Where to write the HTML report", Required = true };
        var technician = new Option<string?>("--technician") { Description = "The technician's name or badge number, printed on the report", Required = true };
        var language = new Option<string?>("--lang") { Description = $"{PageText.Chinese} or {PageText.English} (default: from LANG, else {PageText.English})" };
        var wait = new Option<int>("--wait-seconds") { Description = "How long to wait for each camera's first analysed frame", DefaultValueFactory = _ => 30 };
        var command = new Command("report", "Write the commissioning report: device, cameras with their current frame, doctor, signal checks, uplink; signed with the box's key") { config, output, technician, language, wait };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var loaded = GatewayConfigLoader.Load(parse, config, ConfigFileUse.Required);
            if (loaded.Problem is { } problem)
            {
                await Console.Error.WriteLineAsync(problem);
                return ExitCodes.InvalidInput;
            }

            var name = parse.GetValue(technician)?.Trim();
            if (ReportCollector.TechnicianProblem(name) is { } badName)
            {
                await Console.Error.WriteLineAsync($"edgegw report: --technician '{name}' is invalid; {badName}");
                return ExitCodes.InvalidInput;
            }

            var seconds = parse.GetValue(wait);
            if (seconds is < 0 or > 600)
            {
                await Console.Error.WriteLineAsync($"edgegw report: --wait-seconds '{seconds}' is invalid; expected 0 to 600");
                return ExitCodes.InvalidInput;
            }

            var text = PageText.For(PageText.Choose(parse.GetValue(language), Environment.GetEnvironmentVariable("LANG")?.Split('.')[0]));
            return await WriteAsync(loaded, parse.GetValue(output)!, name!, text, TimeSpan.FromSeconds(seconds), cancellationToken);
        });
        root.Subcommands.Add(command);
        root.Subcommands.Add(Verify());
    }

    /// <summary><c>edgegw verify-report</c>: checks a report against the box's registered key, never the key written in the report.</summary>
    private static Command Verify()
    {
        var report = new Option<string>("--report") { Description = "The report.html to check", Required = true };
        var publicKey = new Option<string>("--public-key")
        {
            Description = "The box's key as registered: its public key, its certificate (device.crt) or device.key, in PEM",
            Required = true,
        };
        var command = new Command("verify-report", "Check that a commissioning report is unchanged and signed by this box's registered key; exit 0 when it is, 1 when not") { report, publicKey };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(report)!;
            if (ReportSigner.ReadPublicKey(parse.GetValue(publicKey)!, out var keyProblem) is not { } key)
            {
                await Console.Error.WriteLineAsync($"edgegw verify-report: --public-key: {keyProblem}");
                return ExitCodes.InvalidInput;
            }

            string html;
            try
            {
                html = await File.ReadAllTextAsync(path, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"edgegw verify-report: --report '{path}': cannot read it ({ex.Message})");
                return ExitCodes.InvalidInput;
            }

            var fingerprint = ReportSigner.Fingerprint(key);
            if (ReportSigner.Verify(html, key))
            {
                Console.WriteLine($"{path}: signed by the key with SHA-256 {fingerprint}, unchanged since");
                return ExitCodes.Ok;
            }

            await Console.Error.WriteLineAsync($"{path}: NOT verified: it was changed after signing, is unsigned, or was signed by another key than the one with SHA-256 {fingerprint}");
            return ExitCodes.Failed;
        });
        return command;
    }

    private static async Task<int> WriteAsync(GatewayConfig loaded, string path, string technician, PageText text, TimeSpan wait, CancellationToken cancellationToken)
    {
        var configuration = loaded.Configuration;
        // The running service owns the outbox: this verb never publishes, it only reads the outbox files.
        await using var services = GatewayServiceCollectionExtensions.BuildGatewayServices(configuration, console: false,
            customise: s => s.Replace(ServiceDescriptor.Singleton<IAlertSink, DiscardingAlertSink>()));
        DiagnosticsOptions options;
        StorageOptions storage;
        OutboxOptions outbox;
        try
        {
            options = services.GetRequiredService<IOptions<DiagnosticsOptions>>().Value;
            storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
            outbox = services.GetRequiredService<IOptions<OutboxOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures)
            {
                await Console.Error.WriteLineAsync($"config {loaded.FilePath}: {failure}");
            }

            return ExitCodes.InvalidInput;
        }

        var time = TimeProvider.System;
        var doctor = await GatewayDoctor.Default(InstallCatalog.Discover())
            .RunAsync(new DoctorContext(configuration, loaded.FilePath, time, Services: services), cancellationToken);
        var parts = services.GetRequiredService<GatewayParts>();
        await CaptureFramesAsync(services.GetService<ICameraMonitor>(), GatewaySettings.Read(configuration).Cameras.Count, wait, cancellationToken);

        var signals = SignalCheck.Read(storage.DataDir, out var signalProblem);
        if (signalProblem is not null)
        {
            await Console.Error.WriteLineAsync($"edgegw report: {signalProblem}");
        }

        var facts = ReportCollector.Collect(configuration, parts, doctor, signals, uplink: null, OfflineUplink(configuration, storage, outbox, doctor),
            technician, text, time.GetUtcNow(), options.BoxTimeZone);
        var signer = ReportSigner.Find(configuration["Uplink:ClientKeyFile"], loaded.FilePath);
        var html = CommissioningReport.Render(facts, text, signer);
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            Directory.CreateDirectory(directory);
            DurableFile.Write(path, System.Text.Encoding.UTF8.GetBytes(html));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"edgegw report: --out '{path}' cannot be written ({ex.Message}); expected a writable file path");
            return ExitCodes.CannotWrite;
        }

        Console.WriteLine($"{path}: {facts.Cameras.Count(c => c.FrameJpeg is not null)}/{facts.Cameras.Count} camera frames, "
                          + $"{doctor.Results.Count} doctor lines, {signals?.Seen ?? 0}/{signals?.Inputs.Count ?? 0} signals seen, "
                          + (signer is null ? "not signed (no device key)" : $"signed with {signer.KeyPath}"));
        return doctor.Failed ? ExitCodes.Failed : ExitCodes.Ok;
    }

    /// <summary>Runs the cameras' pipeline just long enough for each to analyse a frame.</summary>
    private static async Task CaptureFramesAsync(ICameraMonitor? cameras, int count, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (cameras is not IHostedService pipeline || count == 0)
        {
            return;
        }

        await pipeline.StartAsync(cancellationToken);
        try
        {
            var waited = Stopwatch.StartNew();
            while (waited.Elapsed < wait && cameras.GetHealth().Any(c => !cameras.TryGetLatestAnnotatedJpeg(c.CameraId, out _)))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
        }
        finally
        {
            await pipeline.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>The uplink as a separate process sees it: the backlog from the outbox files, the link from the doctor's broker check.</summary>
    private static ReportUplink OfflineUplink(IConfiguration configuration, StorageOptions storage, OutboxOptions outbox, DoctorReport doctor)
    {
        var inspection = FileOutboxStore.Inspect(UplinkServiceCollectionExtensions.StoreOptions(storage, outbox).Directory);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        double? oldest = inspection.Pending.Count > 0 ? Math.Max(0, now - inspection.Pending.Min(e => e.EnqueuedAtMs)) / 1000.0 : null;
        var broker = doctor.Results.FirstOrDefault(r => r.Check.StartsWith("broker", StringComparison.Ordinal));
        var address = configuration["Uplink:Broker"] is { Length: > 0 } url ? GatewaySettingsValidator.Redacted(url) : "–";
        return new ReportUplink(broker is null ? null : broker.Status == DoctorStatus.Pass, address, inspection.Pending.Count, oldest, broker?.Detail);
    }

    /// <summary>
    /// The report's short pipeline run decides nothing: alerts are the running service's to send. A rule that fires
    /// meanwhile waits here until the run stops, so nothing reaches the outbox twice.
    /// </summary>
    private sealed class DiscardingAlertSink : IAlertSink
    {
        public async ValueTask<Alert> PublishAsync(AlertDraft draft, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new OperationCanceledException(cancellationToken);
        }
    }
}
