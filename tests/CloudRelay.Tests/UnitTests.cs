using System.Buffers;
using System.Text;
using CloudRelay.Devices;
using CloudRelay.Forwarding;
using CloudRelay.Hosting;
using CloudRelay.Ingest;
using CloudRelay.Settings;

namespace CloudRelay.Tests;

[Trait("Category", "Unit")]
public sealed class TopicTests
{
    [Theory]
    [InlineData("edge/s1/d1/alert", EdgeChannel.Alert, "")]
    [InlineData("edge/s1/d1/state", EdgeChannel.State, "")]
    [InlineData("edge/s1/d1/status", EdgeChannel.Status, "")]
    [InlineData("edge/s1/d1/telemetry", EdgeChannel.Telemetry, "")]
    [InlineData("edge/s1/d1/snapshot/0190a000-0000-7000-8000-000000000000", EdgeChannel.Snapshot, "0190a000-0000-7000-8000-000000000000")]
    [InlineData("edge/s1/d1/alert/extra", EdgeChannel.Other, "extra")]
    public void Device_topics_parse_into_site_device_and_channel(string topic, EdgeChannel channel, string rest)
    {
        Assert.True(EdgeTopic.TryParse(EdgeTopic.DefaultPrefix, topic, out var parsed));
        Assert.Equal(("s1", "d1", channel, rest), (parsed.Site, parsed.Device, parsed.Channel, parsed.Rest));
    }

    [Theory]
    [InlineData("edge/s1/alert")]
    [InlineData("other/s1/d1/alert")]
    [InlineData("edge/+/d1/alert")]
    [InlineData("edge/s1/../alert")]
    [InlineData("")]
    public void Other_topics_are_not_device_topics(string topic) => Assert.False(EdgeTopic.TryParse(EdgeTopic.DefaultPrefix, topic, out _));

    [Theory]
    [InlineData("edge/s1/d1/alert", true)]
    [InlineData("edge/s1/d1/snapshot/x", true)]
    [InlineData("edge/s1/d2/alert", false)]
    [InlineData("edge/s2/d1/alert", false)]
    [InlineData("edge/s1/d1", false)]
    [InlineData("edge/s1/d10/alert", false)]
    [InlineData("edge/s1/d1/#", false)]
    public void A_device_publishes_only_under_its_own_prefix(string topic, bool allowed) =>
        Assert.Equal(allowed, TopicAcl.MayPublish(EdgeTopic.DefaultPrefix, "s1", "d1", topic));

    [Theory]
    [InlineData("edge/s1/d1/cmd/#", true)]
    [InlineData("edge/s1/+/cmd", false)]
    [InlineData("edge/#", false)]
    [InlineData("#", false)]
    public void A_device_subscribes_only_under_its_own_prefix(string filter, bool allowed) =>
        Assert.Equal(allowed, TopicAcl.MaySubscribe(EdgeTopic.DefaultPrefix, "s1", "d1", filter));
}

[Trait("Category", "Unit")]
public sealed class DecodeTests
{
    [Fact]
    public void Cbor_and_json_renderings_decode_to_the_same_alert()
    {
        var alert = TestAlerts.Make("s", "d");

        var cbor = DeviceMessageIngestor.Decode(new ReadOnlySequence<byte>(AlertCbor.Encode(alert)));
        var json = DeviceMessageIngestor.Decode(new ReadOnlySequence<byte>([.. " \n"u8, .. AlertJson.Encode(alert)]));

        Assert.Equal(alert, cbor.Alert);
        Assert.Equal(alert, json.Alert);
    }

    [Theory]
    [InlineData(new byte[] { }, RejectReasons.Malformed)]
    [InlineData(new byte[] { 0xff, 0x00 }, RejectReasons.Malformed)]
    [InlineData(new byte[] { (byte)'{', (byte)'x' }, RejectReasons.Malformed)]
    public void Garbage_is_classified_as_malformed(byte[] payload, string reason)
    {
        var result = DeviceMessageIngestor.Decode(new ReadOnlySequence<byte>(payload));
        Assert.Equal((IngestOutcome.Rejected, reason), (result.Outcome, result.Reason));
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
    }

    [Fact]
    public void Oversized_and_future_version_payloads_get_their_own_reasons()
    {
        var big = DeviceMessageIngestor.Decode(new ReadOnlySequence<byte>(new byte[AlertLimits.MaxPayloadBytes + 1]));
        var future = Encoding.UTF8.GetBytes(AlertJson.Render(TestAlerts.Make("s", "d")).Replace("\"v\":1", "\"v\":7", StringComparison.Ordinal));
        var newer = DeviceMessageIngestor.Decode(new ReadOnlySequence<byte>(future));

        Assert.Equal(RejectReasons.Oversized, big.Reason);
        Assert.Equal(RejectReasons.FutureVersion, newer.Reason);
    }
}

[Trait("Category", "Unit")]
public sealed class SecretTests
{
    [Fact]
    public void Tokens_are_long_random_and_checked_against_their_hash_only()
    {
        var token = SecretTokens.NewToken();

        Assert.True(token.Length >= 43);
        Assert.NotEqual(token, SecretTokens.NewToken());
        Assert.True(SecretTokens.Matches(token, SecretTokens.Hash(token)));
        Assert.False(SecretTokens.Matches(token + "x", SecretTokens.Hash(token)));
        Assert.False(SecretTokens.Matches(token, null));
    }

    [Fact]
    public void Claim_codes_are_typeable_and_compared_without_case_or_dashes()
    {
        var code = SecretTokens.NewClaimCode();

        Assert.Matches("^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$", code);
        Assert.Equal(SecretTokens.NormalizeClaimCode(code), SecretTokens.NormalizeClaimCode(code.ToLowerInvariant().Replace('-', ' ')));
    }

    [Fact]
    public void The_webhook_signature_covers_the_timestamp_and_the_exact_body_and_stale_ones_are_refused()
    {
        var body = "{\"id\":\"x\"}"u8.ToArray();
        var now = DateTimeOffset.FromUnixTimeSeconds(1_790_000_000);
        var signature = WebhookSigner.Sign("secret", now.ToUnixTimeSeconds(), body);
        var expected = "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData("secret"u8, "1790000000.{\"id\":\"x\"}"u8));

        Assert.Equal(expected, signature);
        Assert.True(WebhookSigner.Verify("secret", "1790000000", body, signature, now));
        Assert.True(WebhookSigner.Verify("secret", "1790000000", body, signature, now.AddMinutes(4)));
        Assert.False(WebhookSigner.Verify("secret", "1790000000", body, signature, now.AddMinutes(6)));
        Assert.False(WebhookSigner.Verify("secret", "1790000001", body, signature, now));
        Assert.False(WebhookSigner.Verify("other", "1790000000", body, signature, now));
        Assert.False(WebhookSigner.Verify("secret", "1790000000", "{\"id\":\"y\"}"u8.ToArray(), signature, now));
        Assert.False(WebhookSigner.Verify("secret", null, body, signature, now));
    }

    [Theory]
    [InlineData("site-1/box-1", true)]
    [InlineData("site-1", false)]
    [InlineData("a/b/c", false)]
    [InlineData("site 1/box", false)]
    public void Usernames_are_site_slash_device(string username, bool valid) =>
        Assert.Equal(valid, DeviceRegistry.TrySplitUsername(username, out _, out _));
}

[Trait("Category", "Unit")]
public sealed class ConfigurationTests
{
    [Fact]
    public void Postgres_urls_become_connection_strings_and_never_show_the_password()
    {
        var connection = PostgresUrl.ToConnectionString("postgres://relay:s%40cret@db.local:6543/alerts?sslmode=require");
        var socket = PostgresUrl.ToConnectionString("postgresql://postgres@/relay?host=/tmp/pg");

        Assert.Contains("Host=db.local", connection, StringComparison.Ordinal);
        Assert.Contains("Port=6543", connection, StringComparison.Ordinal);
        Assert.Contains("Database=alerts", connection, StringComparison.Ordinal);
        Assert.Contains("Password=s@cret", connection, StringComparison.Ordinal);
        Assert.Contains("SSL Mode=Require", connection, StringComparison.Ordinal);
        Assert.Contains("Host=/tmp/pg", socket, StringComparison.Ordinal);
        Assert.Equal("postgres://relay:***@db.local/x", PostgresUrl.Redact("postgres://relay:hunter2@db.local/x"));
    }

    [Fact]
    public void Bad_settings_give_one_line_per_problem_naming_key_and_value()
    {
        var options = new RelayOptions
        {
            Db = "mysql://x",
            Mqtt = new RelayMqttOptions { Port = 70000, Broker = "http://broker", InstanceId = "a/b" },
            Webhook = new RelayWebhookOptions { Url = "ftp://platform" },
        };

        var result = new RelayOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Equal(5, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("Relay:Db 'mysql://x'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Relay:Mqtt:Port '70000'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Relay:Mqtt:Broker = 'http://broker': scheme 'http' is not supported", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Relay:Mqtt:InstanceId 'a/b'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Relay:Webhook:Url 'ftp://platform'", StringComparison.Ordinal));
        Assert.All(failures, f => Assert.DoesNotContain('\n', f));
    }

    [Theory]
    [InlineData("https://relay.example.com")]
    [InlineData("relay.example.com:8883")]
    [InlineData("mqtts://")]
    public void A_public_broker_that_is_no_mqtt_address_is_one_line(string broker)
    {
        var result = new RelayOptionsValidator().Validate(null, new RelayOptions { Mqtt = new RelayMqttOptions { PublicBroker = broker } });

        var line = Assert.Single(result.Failures!);
        Assert.StartsWith($"Relay:Mqtt:PublicBroker = '{broker}': ", line, StringComparison.Ordinal);
        Assert.EndsWith("expected mqtt://host[:port] or mqtts://host[:port] (tcp://, ssl:// and tls:// are accepted too)", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_claim_names_the_public_broker_or_the_embedded_one_at_the_installers_host()
    {
        var data = Directory.CreateTempSubdirectory("relay-claim-").FullName;
        try
        {
            var plain = new RelayOptions { DataDir = data, Mqtt = new RelayMqttOptions { AllowPlaintext = true, Port = 1884 } };
            Assert.Equal(("mqtt://relay.lan:1884", null, null), CloudRelay.Devices.ClaimBroker.For(plain, "relay.lan"));
            plain.Mqtt.PublicBroker = "mqtts://relay.example.com:8883";
            Assert.Equal("mqtts://relay.example.com:8883", CloudRelay.Devices.ClaimBroker.For(plain, "relay.lan").Broker);
            var external = new RelayOptions { DataDir = data, Mqtt = new RelayMqttOptions { Broker = "mqtt://10.0.0.5:1883" } };
            Assert.Null(CloudRelay.Devices.ClaimBroker.For(external, "relay.lan").Broker); // Only the operator knows its public name.
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void The_default_database_is_a_sqlite_file_in_the_data_folder()
    {
        Assert.Equal(Path.Combine("d", "relay.db"), new RelayOptions { DataDir = "d" }.SqlitePath);
        Assert.Equal("/x/y.db", new RelayOptions { Db = "/x/y.db" }.SqlitePath);
        Assert.True(new RelayOptions { Db = "postgres://h/db" }.UsesPostgres);
    }
}

[Trait("Category", "Unit")]
public sealed class DecodeRobustnessTests
{
    [Fact]
    public void Mangled_cbor_and_json_never_throw_and_every_rejection_has_a_one_line_reason()
    {
        var random = new Random(20261128);
        var alert = TestAlerts.Make("site-1", "box-1");
        var seeds = new[] { AlertCbor.Encode(alert), AlertJson.Encode(alert) };
        var outcomes = new Dictionary<IngestOutcome, int>();
        for (var i = 0; i < 20_000; i++)
        {
            var payload = seeds[i % 2].ToArray();
            var flips = 1 + random.Next(4);
            for (var f = 0; f < flips; f++)
            {
                switch (random.Next(3))
                {
                    case 0:
                        payload[random.Next(payload.Length)] = (byte)random.Next(256);
                        break;
                    case 1:
                        payload = payload[..random.Next(payload.Length)];
                        break;
                    default:
                        payload = [.. payload, .. new byte[] { (byte)random.Next(256) }];
                        break;
                }

                if (payload.Length == 0)
                {
                    break;
                }
            }

            var result = DeviceMessageIngestor.Decode(new ReadOnlySequence<byte>(payload));
            outcomes[result.Outcome] = outcomes.GetValueOrDefault(result.Outcome) + 1;
            if (result.Outcome == IngestOutcome.Rejected)
            {
                Assert.False(string.IsNullOrWhiteSpace(result.Error));
                Assert.DoesNotContain('\n', result.Error!);
            }
        }

        Assert.True(outcomes.GetValueOrDefault(IngestOutcome.Rejected) > 10_000);
    }
}
