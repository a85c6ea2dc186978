using System.CommandLine;
using EdgeGateway.Host.Configuration;
using EdgeGateway.Host.Fleet;
using EdgeGateway.Host.Gateway;
using EdgeGateway.Supervision.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Commands;

/// <summary>Verbs that run the gateway: run, demo.</summary>
internal static class ServiceCommands
{
    public static void Register(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        root.Subcommands.Add(CreateRun());
        root.Subcommands.Add(DemoCommand.Create());
    }

    private static Command CreateRun()
    {
        var config = GatewayConfigLoader.ConfigOption("The gateway's config file");
        var run = new Command("run", "Run the gateway service: cameras, elevator, outbox drain, diagnostics page") { config };
        run.SetAction(async (parseResult, cancellationToken) =>
        {
            var loaded = GatewayConfigLoader.Load(parseResult, config, ConfigFileUse.Required, fleet: FleetStart.Run);
            if (loaded.Problem is { } problem)
            {
                await Console.Error.WriteLineAsync(problem);
                return 2;
            }

            // The page's report signs with device.key beside the config file, so the service is told where that is.
            var settings = new ConfigurationBuilder().AddConfiguration(loaded.Configuration)
                .AddInMemoryCollection([new(Diagnostics.DiagnosticsOptions.ConfigPathKey, loaded.FilePath)]).Build();
            return await RunAsync(() => GatewayApp.Build(settings, app => app.Services.AddFleetAgent(loaded.Fleet!)), loaded.FilePath, cancellationToken);
        });
        return run;
    }

    /// <summary>
    /// Builds and runs the service; bad configuration ends it with one line per problem (exit 2),
    /// a service that failed with one line naming it (exit <see cref="ServiceFault.ExitCode"/>).
    /// </summary>
    internal static async Task<int> RunAsync(Func<WebApplication> build, string configPath, CancellationToken cancellationToken)
    {
        try
        {
            await using var app = build();
            // A service that threw stops the host as if asked to; systemd must see a failure.
            if (await ServiceFault.RunAsync(app, cancellationToken) is { } fault)
            {
                await Console.Error.WriteLineAsync(fault.Describe("edgegw"));
                return ServiceFault.ExitCode;
            }

            return 0;
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures)
            {
                await Console.Error.WriteLineAsync($"config {configPath}: {failure}");
            }

            return 2;
        }
        catch (InvalidDataException ex)
        {
            await Console.Error.WriteLineAsync($"config {configPath}: {ex.Message}");
            return 2;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // A part that cannot start (its outbox held by another process, a device it cannot open): one line, and a failure.
            await Console.Error.WriteLineAsync($"edgegw: could not start: {ex.Message}");
            return ServiceFault.ExitCode;
        }
    }
}
