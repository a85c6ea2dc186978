using System.Collections.Concurrent;

namespace CloudRelay.Ingest;

/// <summary>Why a payload or a client was turned away; the names appear in <c>/api/stats</c>.</summary>
public static class RejectReasons
{
    public const string Malformed = "malformed";
    public const string Oversized = "oversized";
    public const string FutureVersion = "future_version";
    public const string IdentityMismatch = "identity_mismatch";
    public const string NotAuthorized = "not_authorized";
    public const string BadTopic = "bad_topic";
    public const string ControlCharacter = "control_character";
}

/// <summary>Front-door limits and identity refusals; the names appear in <c>/api/stats</c> under <c>limits</c>.</summary>
public static class LimitNames
{
    public const string ClientIdNotValid = "client_id_not_valid";
    public const string SessionRevoked = "session_revoked";
    public const string PacketTooLarge = "packet_too_large";
    public const string ConnectTimeout = "connect_timeout";
    public const string FailedConnectRate = "failed_connect_rate";
    public const string PublishRate = "publish_rate";
    public const string RetainedCap = "retained_cap";
    public const string SnapshotBytes = "snapshot_bytes";
    public const string LoginChecksBusy = "login_checks_busy";
    public const string ClaimRate = "claim_rate";
    public const string LiveFeeds = "live_feeds";
}

/// <summary>Ingest counters since the process started. Thread-safe; read by <c>/api/stats</c> and the bench.</summary>
public sealed class RelayCounters
{
    private readonly ConcurrentDictionary<string, long> _rejects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _limits = new(StringComparer.Ordinal);
    private long _received;
    private long _stored;
    private long _duplicates;
    private long _storeFailures;
    private long _authFailures;
    private long _forwarded;
    private long _forwardFailures;
    private long _forwardDeadLetters;
    private long _commits;
    private long _committedAlerts;

    public long Received => Interlocked.Read(ref _received);

    public long Stored => Interlocked.Read(ref _stored);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long StoreFailures => Interlocked.Read(ref _storeFailures);

    public long AuthFailures => Interlocked.Read(ref _authFailures);

    public long Forwarded => Interlocked.Read(ref _forwarded);

    public long ForwardFailures => Interlocked.Read(ref _forwardFailures);

    /// <summary>Alerts the platform refused for good, set aside in the webhook dead letters.</summary>
    public long ForwardDeadLetters => Interlocked.Read(ref _forwardDeadLetters);

    /// <summary>Group commits so far; <see cref="CommittedAlerts"/> / <see cref="Commits"/> is the mean batch.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    public long CommittedAlerts => Interlocked.Read(ref _committedAlerts);

    public long Rejected => _rejects.Values.Sum();

    public IReadOnlyDictionary<string, long> RejectsByReason => new SortedDictionary<string, long>(_rejects, StringComparer.Ordinal);

    internal void CountReceived() => Interlocked.Increment(ref _received);

    internal void CountStored() => Interlocked.Increment(ref _stored);

    internal void CountDuplicate() => Interlocked.Increment(ref _duplicates);

    internal void CountStoreFailure() => Interlocked.Increment(ref _storeFailures);

    internal void CountAuthFailure() => Interlocked.Increment(ref _authFailures);

    internal void CountForwarded() => Interlocked.Increment(ref _forwarded);

    internal void CountForwardFailure() => Interlocked.Increment(ref _forwardFailures);

    internal void CountForwardDeadLetter() => Interlocked.Increment(ref _forwardDeadLetters);

    public double CommitSeconds => Interlocked.Read(ref _commitTicks) / (double)System.Diagnostics.Stopwatch.Frequency;

    private long _commitTicks;

    internal void CountCommit(int alerts, long elapsedTicks)
    {
        Interlocked.Add(ref _commitTicks, elapsedTicks);
        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _committedAlerts, alerts);
    }

    /// <summary>How often each front-door limit or identity rule refused or slowed a client.</summary>
    public IReadOnlyDictionary<string, long> Limits => new SortedDictionary<string, long>(_limits, StringComparer.Ordinal);

    public long Limit(string name) => _limits.GetValueOrDefault(name);

    internal void CountLimit(string name) => _limits.AddOrUpdate(name, 1, (_, n) => n + 1);

    internal void CountClientIdRefusal() => CountLimit(LimitNames.ClientIdNotValid);

    internal void CountRevokedSession() => CountLimit(LimitNames.SessionRevoked);

    internal void CountReject(string reason) => _rejects.AddOrUpdate(reason, 1, (_, n) => n + 1);
}
