using System.CommandLine;
using System.CommandLine.Parsing;
using EdgeGateway.Host.Commands;
using EdgeGateway.Vision.Native;

var root = new RootCommand("edgegw: the EdgeGateway box for supervised kitchens and elevators");
var bench = new Command("bench", "Benchmarks of the hot paths; each prints one JSON line");
root.Subcommands.Add(bench);

ServiceCommands.Register(root);
VisionCommands.Register(root, bench);
ElevatorCommands.Register(root, bench);
UplinkCommands.Register(root, bench);
CameraBenchCommands.Register(bench);
HealthCommands.Register(bench);
SetupCommands.Register(root);
ReportCommands.Register(root);

var parsed = root.Parse(args);
try
{
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex) when (NativeVision.Describe(ex) is { } problem)
{
    // OpenCV's native half is missing or broken: one line naming what to install, never a stack trace.
    await Console.Error.WriteLineAsync($"edgegw {Verb(parsed)}: {problem}");
    return 1;
}
#pragma warning disable CA1031 // The last resort for any other failure, as System.CommandLine's own handler would print it.
catch (Exception ex)
#pragma warning restore CA1031
{
    await Console.Error.WriteLineAsync($"edgegw {Verb(parsed)}: unhandled {ex}");
    return 1;
}

// "bench vision", "run": the verb as typed, for the one line a failure prints.
static string Verb(ParseResult parsed)
{
    var names = new List<string>();
    for (var result = parsed.CommandResult; result.Parent is CommandResult parent; result = parent)
    {
        names.Insert(0, result.Command.Name);
    }

    return names.Count > 0 ? string.Join(' ', names) : "edgegw";
}
