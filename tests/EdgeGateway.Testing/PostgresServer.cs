using System.Diagnostics;

namespace EdgeGateway.Testing;

/// <summary>
/// A real PostgreSQL server (Debian's <c>postgresql</c>, initdb + pg_ctl) in a temp folder on a random loopback
/// port, socket folder inside the temp folder. initdb refuses to run as root, so as root the server runs as
/// the <c>postgres</c> user through <c>runuser</c>. Dispose stops it and deletes the folder.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string _bin;
    private readonly bool _asPostgresUser;

    private PostgresServer(string directory, string bin, int port, bool asPostgresUser)
    {
        _directory = directory;
        _bin = bin;
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    public int Port { get; }

    public string DataDirectory => Path.Combine(_directory, "data");

    public string SocketDirectory => Path.Combine(_directory, "sock");

    /// <summary>A url for the relay's <c>--db</c>, e.g. <c>postgres://postgres@127.0.0.1:5433/postgres</c>.</summary>
    public string Url(string database = "postgres") => $"postgres://postgres@127.0.0.1:{Port}/{database}";

    /// <summary>The newest installed server's bin folder, or null when PostgreSQL is not installed.</summary>
    public static string? FindBin() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => d, StringComparer.Ordinal)
                .FirstOrDefault()
            : null;

    /// <param name="durable">False turns fsync off, which is fine for tests that never crash the server.</param>
    public static async Task<PostgresServer> StartAsync(bool durable = false)
    {
        var bin = FindBin() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; install Debian's 'postgresql' package");
        var directory = Directory.CreateTempSubdirectory("pg-test-").FullName;
        var asPostgres = Environment.UserName == "root";
        var server = new PostgresServer(directory, bin, FreePort.Next(), asPostgres);
        Directory.CreateDirectory(server.SocketDirectory);
        if (asPostgres)
        {
            await server.RunAsync("/bin/chown", ["-R", "postgres:postgres", directory], asTool: false);
        }

        await server.RunAsync(Path.Combine(bin, "initdb"),
            ["-D", server.DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"]);
        var settings = $"-p {server.Port} -k {server.SocketDirectory} -c listen_addresses=127.0.0.1 -c max_connections=200"
                       + (durable ? string.Empty : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        await server.RunAsync(Path.Combine(bin, "pg_ctl"),
            ["-D", server.DataDirectory, "-l", Path.Combine(directory, "server.log"), "-o", settings, "-w", "-t", "60", "start"]);
        return server;
    }

    /// <summary>Creates an empty database and returns its url.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await RunAsync(Path.Combine(_bin, "psql"),
            ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-v", "ON_ERROR_STOP=1",
             "-c", $"CREATE DATABASE \"{name}\""]);
        return Url(name);
    }

    public string Log => File.Exists(Path.Combine(_directory, "server.log")) ? File.ReadAllText(Path.Combine(_directory, "server.log")) : string.Empty;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]);
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task RunAsync(string executable, string[] arguments, bool asTool = true)
    {
        var (file, args) = _asPostgresUser && asTool
            ? ("/sbin/runuser", (string[])["-u", "postgres", "--", executable, .. arguments])
            : (executable, arguments);
        var start = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(executable)} exited {process.ExitCode}: {(await stderr).Trim()} {(await stdout).Trim()}");
        }
    }
}
