using System.Diagnostics;
using CloudRelay.Database;
using Microsoft.Data.Sqlite;
using MQTTnet;

namespace CloudRelay.Tests;

/// <summary>
/// Several alerts in flight on one connection: they share commits, keep the device's order, and each PUBACK
/// still means "stored". A commit that fails sends no PUBACK and closes the connection.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PipelinedAckTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Alerts_in_flight_on_one_connection_share_commits_and_each_puback_means_stored()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var client = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", "box-1"));
        var alerts = Enumerable.Range(1, 200).Select(i => TestAlerts.Make("site-1", "box-1", sequence: i)).ToList();
        var commitsBefore = relay.Counters.Commits;
        var missingWhenAcked = 0;

        // Another writer holds the database, so the relay's first commit has to wait.
        await using var blocker = await OpenAsync(Path.Combine(relay.DataDir, "relay.db"));
        await using var hold = blocker.BeginTransaction(deferred: false);
        var sends = alerts.Select(async alert =>
        {
            var result = await client.PublishAlertAsync(alert);
            Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
            if (await relay.Store.FindAlertAsync(alert.Id, CancellationToken.None) is null)
            {
                Interlocked.Increment(ref missingWhenAcked);
            }
        }).ToList();

        // The connection keeps reading while its first alert waits for the database.
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(relay.Counters.Received == 200), TimeSpan.FromSeconds(20), "all 200 alerts to be received");
        Assert.DoesNotContain(sends, s => s.IsCompleted);
        await hold.RollbackAsync();
        await Task.WhenAll(sends);

        Assert.Equal(0, missingWhenAcked);
        Assert.Equal(200, await relay.Store.CountAlertsAsync(CancellationToken.None));
        // Waiting for each commit before reading the next alert would take 200 commits.
        var commits = relay.Counters.Commits - commitsBefore;
        Assert.True(commits <= 3, $"200 alerts in flight on one connection took {commits} commits");
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_pipelining_client_has_its_alerts_stored_in_the_order_it_sent_them(string db)
    {
        // PostgreSQL commits several batches at once, so this also checks that one device's batches never overlap.
        await using var relay = await RelayTestHost.StartAsync(db == "postgres" ? await postgres.NewDatabaseAsync() : null);
        var credentials = await relay.AddDeviceAsync("site-1", "box-1");
        var alerts = Enumerable.Range(1, 1000).Select(i => TestAlerts.Make("site-1", "box-1", sequence: i)).ToList();
        var lines = string.Join('\n', alerts.Select(a => System.Text.Encoding.UTF8.GetString(AlertJson.Encode(a)))) + "\n";

        // mosquitto_pub keeps up to 100 QoS 1 messages in flight and sends stdin's lines in order.
        var exit = await RunAsync("mosquitto_pub", lines,
            "-h", "127.0.0.1", "-p", relay.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-V", "5", "-q", "1", "-M", "100",
            "-i", "edgegw-site-1-box-1", "-u", credentials.Username, "-P", credentials.Password, "-t", "edge/site-1/box-1/alert", "-l");

        Assert.Equal(0, exit);
        var stored = await relay.Store.QueryAlertsAsync(new AlertQuery(Device: "box-1", Limit: 1000), CancellationToken.None);
        Assert.Equal(alerts.Select(a => a.Sequence), stored.Items.Select(s => s.Alert.Sequence));
    }

    [Fact]
    public async Task A_failed_commit_sends_no_puback_closes_the_connection_and_the_resent_alert_is_stored()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var credentials = await relay.AddDeviceAsync("site-1", "box-1");
        var client = await relay.ConnectAsync(credentials);
        var alert = TestAlerts.Make("site-1", "box-1", AlertKinds.Trapped);
        var database = Path.Combine(relay.DataDir, "relay.db");
        Assert.True(File.Exists(database), $"expected the relay's SQLite file at {database}");

        // A real SQLite failure inside the relay's transaction: a trigger that aborts inserts of this one alert.
        await ExecuteAsync(database, $"CREATE TRIGGER refuse_test_alert BEFORE INSERT ON alerts WHEN NEW.kind = '{AlertKinds.Trapped}' BEGIN SELECT RAISE(ABORT, 'refused by test'); END;");
        var publish = client.PublishAlertAsync(alert);
        var outcome = await Task.WhenAny(publish, Task.Delay(TimeSpan.FromSeconds(15)));

        Assert.Same(publish, outcome);
        await Assert.ThrowsAnyAsync<Exception>(() => publish);
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(!client.IsConnected), TimeSpan.FromSeconds(10), "the relay to close the connection");
        Assert.Null(await relay.Store.FindAlertAsync(alert.Id, CancellationToken.None));

        await ExecuteAsync(database, "DROP TRIGGER refuse_test_alert;");
        var again = await relay.ConnectAsync(credentials);
        var resent = await again.PublishAlertAsync(alert);

        Assert.Equal(MqttClientPublishReasonCode.Success, resent.ReasonCode);
        Assert.Equal(alert, (await relay.Store.FindAlertAsync(alert.Id, CancellationToken.None))?.Alert);
    }

    private static async Task<SqliteConnection> OpenAsync(string database)
    {
        var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = await OpenAsync(database);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<int> RunAsync(string program, string input, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }
}
