using System.Globalization;
using System.Security.Cryptography;
using EdgeGateway.Contracts;
using Microsoft.Extensions.Options;
using EdgeGateway.Core.Configuration;

namespace EdgeGateway.Uplink.Configuration;

/// <summary>Checks Device, Storage, Uplink and Outbox settings; one line per problem: key, value, what was expected.</summary>
internal sealed class UplinkOptionsValidation :
    IValidateOptions<DeviceOptions>, IValidateOptions<StorageOptions>, IValidateOptions<UplinkOptions>, IValidateOptions<OutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, DeviceOptions options)
    {
        var problems = new List<string>();
        CheckIdentifier(problems, "Device:Id", options.Id);
        CheckIdentifier(problems, "Device:Site", options.Site);
        return Result(problems);
    }

    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDir))
        {
            problems.Add("Storage:DataDir is empty; expected a writable folder such as /var/lib/edgegw");
        }

        return Result(problems);
    }

    public ValidateOptionsResult Validate(string? name, UplinkOptions options)
    {
        var problems = new List<string>();
        if (BrokerAddress.Problem("Uplink:Broker", options.Broker) is { } broker)
        {
            problems.Add(broker);
        }

        if (!UplinkEncodings.TryParse(options.Encoding, out _))
        {
            problems.Add($"Uplink:Encoding = '{options.Encoding}': expected cbor or json");
        }

        if (options.Password is { Length: > 0 } && string.IsNullOrEmpty(options.Username))
        {
            problems.Add("Uplink:Username is empty but Uplink:Password is set; expected both or neither");
        }

        CheckFile(problems, "Uplink:CaFile", options.CaFile);
        CheckFile(problems, "Uplink:ClientCertFile", options.ClientCertFile);
        CheckFile(problems, "Uplink:ClientKeyFile", options.ClientKeyFile);
        if (options.ClientKeyFile is { Length: > 0 } && string.IsNullOrEmpty(options.ClientCertFile))
        {
            problems.Add("Uplink:ClientKeyFile is set without Uplink:ClientCertFile; expected both for mTLS");
        }

        CheckCertificates(problems, options);
        CheckRange(problems, "Uplink:Window", options.Window, 1, 65_535);
        CheckRange(problems, "Uplink:KeepAliveSeconds", options.KeepAliveSeconds, 0, 65_535);
        CheckRange(problems, "Uplink:TimeoutSeconds", options.TimeoutSeconds, 1, 3_600);
        CheckRange(problems, "Uplink:ReconnectMinMs", options.ReconnectMinMs, 1, 3_600_000);
        CheckRange(problems, "Uplink:ReconnectMaxMs", options.ReconnectMaxMs, Math.Max(1, options.ReconnectMinMs), 3_600_000);
        CheckTtl(problems, "Uplink:BacklogReportInterval", options.BacklogReportInterval);
        if (!EdgeTopic.IsValidPrefix(options.TopicPrefix))
        {
            problems.Add(EdgeTopic.DescribePrefix("Uplink:TopicPrefix", options.TopicPrefix));
        }

        return Result(problems);
    }

    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        var problems = new List<string>();
        if (options.BudgetBytes is null)
        {
            CheckRange(problems, "Outbox:BudgetMB", options.BudgetMB, 1, 1_048_576);
        }
        else
        {
            CheckRange(problems, "Outbox:BudgetBytes", options.BudgetBytes.Value, 1024, long.MaxValue);
        }

        CheckRange(problems, "Outbox:MaxMessageKB", options.MaxMessageKB, 1, 65_536);
        CheckRange(problems, "Outbox:SegmentMB", options.SegmentMB, 1, 1024);
        CheckRange(problems, "Outbox:SyncIntervalMs", options.SyncIntervalMs, 1, 60_000);
        CheckTtl(problems, "Outbox:AlarmTtl", options.AlarmTtl);
        CheckTtl(problems, "Outbox:StatusTtl", options.StatusTtl);
        CheckTtl(problems, "Outbox:SnapshotTtl", options.SnapshotTtl);
        CheckTtl(problems, "Outbox:TelemetryTtl", options.TelemetryTtl);
        return Result(problems);
    }

    private static void CheckIdentifier(List<string> problems, string key, string value)
    {
        // The wire contract's grammar: the relay refuses any other name.
        if (!DeviceNames.IsValid(value))
        {
            problems.Add($"{key} = '{value}': {DeviceNames.Expected}");
        }
    }

    private static void CheckFile(List<string> problems, string key, string? path)
    {
        if (path is { Length: > 0 } && !File.Exists(path))
        {
            problems.Add($"{key} = '{path}': file not found");
        }
    }

    private static void CheckCertificates(List<string> problems, UplinkOptions options)
    {
        if (options.CaFile is { Length: > 0 } caFile && File.Exists(caFile))
        {
            try
            {
                foreach (var authority in Mqtt.MqttUplinkTransport.LoadAuthorities(caFile))
                {
                    authority.Dispose();
                }
            }
            catch (CryptographicException ex)
            {
                problems.Add($"Uplink:CaFile = '{caFile}': expected PEM CA certificate(s) ({ex.Message})");
            }
        }

        if (options.ClientCertFile is { Length: > 0 } certFile && File.Exists(certFile)
            && (options.ClientKeyFile is not { Length: > 0 } keyFile || File.Exists(keyFile)))
        {
            try
            {
                using var certificate = Mqtt.MqttUplinkTransport.LoadClientCertificate(certFile, options.ClientKeyFile);
            }
            catch (CryptographicException ex)
            {
                problems.Add($"Uplink:ClientCertFile = '{certFile}': expected a PEM certificate with its key in Uplink:ClientKeyFile, or a PKCS#12 file ({ex.Message})");
            }
        }
    }

    private static void CheckRange(List<string> problems, string key, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{key} = {value}: expected {min}..{max}"));
        }
    }

    private static void CheckTtl(List<string> problems, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{key} = {value}: expected a positive duration such as 1.00:00:00"));
        }
    }

    private static ValidateOptionsResult Result(List<string> problems) =>
        problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
}
