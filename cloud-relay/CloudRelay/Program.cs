using System.CommandLine;
using CloudRelay.Cli;

var root = new RootCommand("cloud-relay: receives alerts from edge gateways, stores them once, and forwards them to the platform");
RelayCommands.Register(root);
return await root.Parse(args).InvokeAsync();
