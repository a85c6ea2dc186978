using System.CommandLine;
using EdgeGateway.Host.Configuration;
using EdgeGateway.Host.Gateway;
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
            var loaded = GatewayConfigLoader.Load(parseResult, config, ConfigFileUse.Required);
            if (loaded.Problem is { } problem)
            {
                await Console.Error.WriteLineAsync(problem);
                return 2;
            }

            return await RunAsync(() => GatewayApp.Build(loaded.Configuration), loaded.FilePath, cancellationToken);
        });
        return run;
    }

    /// <summary>Builds and runs the service; bad configuration ends it with one line per problem.</summary>
    internal static async Task<int> RunAsync(Func<WebApplication> build, string configPath, CancellationToken cancellationToken)
    {
        try
        {
            await using var app = build();
            await app.RunAsync(cancellationToken);
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
    }
}
