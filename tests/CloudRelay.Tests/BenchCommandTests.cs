using System.Text.Json;

namespace CloudRelay.Tests;

[Trait("Category", "Integration")]
public sealed class BenchCommandTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Bench_prints_one_line_per_database_with_nothing_lost_and_every_duplicate_counted()
    {
        var database = await postgres.NewDatabaseAsync();

        var (exit, stdout, stderr) = await CommandLineTests.RunAsync("bench", "--devices", "10", "--count", "2000", "--db", "sqlite", "--db", database);

        Assert.True(exit == 0, stderr);
        var lines = stdout.Trim().Split('\n').Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(["sqlite", "postgres"], lines.Select(l => l.GetProperty("db").GetString()));
        Assert.All(lines, line =>
        {
            Assert.Equal(2000, line.GetProperty("stored").GetInt64());
            Assert.Equal(0, line.GetProperty("lost").GetInt64());
            Assert.Equal(0, line.GetProperty("unacknowledged").GetInt64());
            Assert.Equal(line.GetProperty("duplicates_sent").GetInt64(), line.GetProperty("duplicates").GetInt64());
            Assert.True(line.GetProperty("duplicates").GetInt64() > 0);
            Assert.True(line.GetProperty("stored_per_s").GetDouble() > 0);
        });
    }

    [Fact]
    public async Task Fleet_bench_prints_one_line_once_every_box_reported_the_version_it_was_sent()
    {
        var (exit, stdout, stderr) = await CommandLineTests.RunAsync("bench", "fleet", "--devices", "30", "--timeout", "60");

        Assert.True(exit == 0, stderr);
        var line = JsonDocument.Parse(stdout.Trim()).RootElement;
        Assert.Equal("sqlite", line.GetProperty("db").GetString());
        Assert.Equal(30, line.GetProperty("reported").GetInt32());
        Assert.Equal(30, line.GetProperty("received").GetInt32());
        Assert.True(line.GetProperty("seconds").GetDouble() > 0);
        Assert.True(line.GetProperty("relay_cpu_seconds").GetDouble() > 0);
    }

    [Fact]
    public async Task Health_bench_prints_one_line_once_every_box_reported_with_the_relays_cpu()
    {
        var (exit, stdout, stderr) = await CommandLineTests.RunAsync("bench", "health", "--devices", "30", "--interval", "3");

        Assert.True(exit == 0, stderr);
        var line = JsonDocument.Parse(stdout.Trim()).RootElement;
        Assert.Equal("sqlite", line.GetProperty("db").GetString());
        Assert.Equal(30, line.GetProperty("stored").GetInt32());
        Assert.True(line.GetProperty("seconds").GetDouble() >= 3);
        Assert.True(line.GetProperty("relay_cpu_seconds").GetDouble() > 0);
    }
}
