using System.CommandLine;
using CloudRelay.Settings;
using CloudRelay.Tls;
using Microsoft.Extensions.Configuration;
using EdgeGateway.Configuration;

namespace CloudRelay.Cli;

/// <summary><c>cloud-relay certs init</c>: a CA and the relay's certificate for a first setup.</summary>
internal static class CertsCommand
{
    public static Command Create()
    {
        // The data folder comes through the relay's one loader, so the files land where `run` looks for them.
        var dataDir = RelayCommands.DataDir();
        var config = RelayCommands.Config();
        var flags = new ConfigFlags().Map(dataDir, "Relay:DataDir");
        var dir = new Option<string?>("--dir") { Description = "Folder for ca.crt, ca.key, relay.crt and relay.key" };
        var hosts = new Option<string[]>("--host")
        {
            Description = "A DNS name or IP address the boxes use to reach the relay (repeat it); localhost and 127.0.0.1 are always included",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = true,
        };
        var force = new Option<bool>("--force") { Description = "Replace existing files (a new CA: every box needs the new ca.crt)" };
        var init = new Command("init", "Make a CA and the relay's server certificate, and print the CA's SHA-256 fingerprint for the boxes' Uplink:CaFile")
        {
            dataDir, config, dir, hosts, force,
        };
        init.SetAction(parse =>
        {
            try
            {
                var relay = RelayCommands.Load(parse, config, flags).GetSection(RelayOptions.Section).Get<RelayOptions>() ?? new RelayOptions();
                var folder = parse.GetValue(dir) is { Length: > 0 } explicitFolder ? explicitFolder : RelayTls.DefaultFolder(relay.DataDir);
                var files = RelayCertificateAuthority.Init(folder, parse.GetValue(hosts) ?? [], parse.GetValue(force), TimeProvider.System);
                Console.WriteLine(files.AuthorityCreated
                    ? $"created {files.AuthorityCertificate} (the CA: copy it to each box as Uplink:CaFile) and {files.AuthorityKey} (mode 600; keep it off the network)"
                    : $"kept {files.AuthorityCertificate} and {files.AuthorityKey} (pass --force to replace them)");
                Console.WriteLine(files.CertificateCreated
                    ? $"created {files.Certificate} for {string.Join(", ", files.Names)} and {files.Key} (mode 600)"
                    : $"kept {files.Certificate} for {string.Join(", ", files.Names)} (pass --force to replace it)");
                Console.WriteLine(parse.GetValue(dir) is { Length: > 0 }
                    ? $"relay: set Relay:Mqtt:TlsCertificate={files.Certificate} and Relay:Mqtt:TlsKey={files.Key}"
                    : $"relay: `cloud-relay run` with Relay:DataDir {relay.DataDir} serves this certificate on Relay:Mqtt:TlsPort (8883)");
                Console.WriteLine($"CA SHA-256 fingerprint: {files.AuthorityFingerprint}");
                return 0;
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                Console.Error.WriteLine($"cloud-relay: {ex.Message}");
                return 2;
            }
        });
        var certs = new Command("certs", "TLS certificates for the relay");
        certs.Subcommands.Add(init);
        return certs;
    }
}
