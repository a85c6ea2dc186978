using System.CommandLine;
using EdgeGateway.Host.Commands;
using EdgeGateway.Host.Setup.Provision;
using Spectre.Console;

namespace EdgeGateway.Host.Tests.Setup;

/// <summary>Runs an edgegw setup verb in-process and captures what the installer would read.</summary>
public static class CliRun
{
    public static async Task<(int ExitCode, string Output)> SetupAsync(params string[] args) => await SetupAsync(null, args);

    internal static Task<(int ExitCode, string Output)> SetupAsync(IModelFetcher? models, params string[] args) => SetupAsync(models, stdin: null, args);

    /// <summary>Runs a setup verb with <paramref name="stdin"/> as what the installer piped in.</summary>
    internal static async Task<(int ExitCode, string Output)> SetupAsync(IModelFetcher? models, string? stdin, params string[] args)
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 400; // Wide enough that no table cell wraps.
        var root = new RootCommand("edgegw");
        using var input = new StringReader(stdin ?? string.Empty);
        SetupCommands.Register(root, console, models, input);
        var exit = await root.Parse(args).InvokeAsync();
        return (exit, writer.ToString());
    }
}

/// <summary>A scratch folder per test, removed afterwards.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("edgegw-setup-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>A password file as an installer makes one (mode 600), for the <c>--…-password-file</c> flags.</summary>
    public string Secret(string name, string password)
    {
        var path = File(name);
        System.IO.File.WriteAllText(path, password + "\n");
        System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
