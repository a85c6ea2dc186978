using System.CommandLine;
using EdgeGateway.Host.Health;

namespace EdgeGateway.Host.Commands;

/// <summary><c>edgegw bench health</c>: the CPU cost of the health report and the instruments, for four cameras.</summary>
internal static class HealthCommands
{
    private const int ConfigError = 2;

    public static void Register(Command bench)
    {
        var reports = new Option<int>("--reports") { Description = "Reports built and encoded", DefaultValueFactory = _ => 2000 };
        var interval = new Option<TimeSpan>("--interval") { Description = "The report interval the share of a core is given for", DefaultValueFactory = _ => TimeSpan.FromMinutes(1) };
        var dataDir = new Option<string>("--data-dir") { Description = "The folder whose disk is read", DefaultValueFactory = _ => Path.GetTempPath() };
        var command = new Command("health", "CPU time per health report and per minute at the interval, four cameras; prints one JSON line") { reports, interval, dataDir };
        command.SetAction(parse =>
        {
            var n = parse.GetValue(reports);
            var every = parse.GetValue(interval);
            if (n < 1)
            {
                Console.Error.WriteLine($"--reports {n}: expected a number of reports >= 1");
                return ConfigError;
            }

            if (every < TimeSpan.FromSeconds(1))
            {
                Console.Error.WriteLine($"--interval {every}: expected at least 00:00:01");
                return ConfigError;
            }

            var result = HealthBenchmark.Run(n, every, parse.GetValue(dataDir)!);
            UplinkCommands.WriteJsonLine(json =>
            {
                json.WriteNumber("reports", result.Reports);
                json.WriteNumber("cameras", 4);
                json.WriteNumber("cpu_ms_per_report", Math.Round(result.CpuMsPerReport, 3));
                json.WriteNumber("cpu_ms_per_check", Math.Round(result.CpuMsPerCheck, 4));
                json.WriteNumber("cpu_ms_per_collection", Math.Round(result.CpuMsPerCollection, 3));
                json.WriteNumber("report_bytes", result.ReportBytes);
                json.WriteNumber("interval_s", every.TotalSeconds);
                json.WriteNumber("cpu_ms_per_minute", Math.Round(result.CpuMsPerMinute, 2));
                json.WriteNumber("core_percent", Math.Round(result.CorePercent, 4));
            });
            return 0;
        });
        bench.Subcommands.Add(command);
    }
}
