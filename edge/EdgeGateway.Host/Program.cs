using System.CommandLine;
using EdgeGateway.Host.Commands;

var root = new RootCommand("edgegw: the EdgeGateway box for supervised kitchens and elevators");
var bench = new Command("bench", "Benchmarks of the hot paths; each prints one JSON line");
root.Subcommands.Add(bench);

ServiceCommands.Register(root);
VisionCommands.Register(root, bench);
ElevatorCommands.Register(root, bench);
UplinkCommands.Register(root, bench);
SetupCommands.Register(root);

return await root.Parse(args).InvokeAsync();
