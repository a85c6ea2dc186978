using EdgeGateway.Contracts.Evidence;
using EdgeGateway.Core.Evidence;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Core.Tests;

/// <summary>The uploader against a scripted link: pieces in order, resumed after a failed send, the manifest last.</summary>
[Trait("Category", "Unit")]
public sealed class EvidenceUploaderTests : IDisposable
{
    private readonly TempDirectory _dir = new("evidence-uploader-");

    [Fact]
    public async Task A_clip_goes_in_pieces_resumes_after_a_link_failure_and_the_manifest_follows_it()
    {
        var folder = new EvidenceFolder(_dir.Path);
        var clip = new byte[10_000 + 123];
        Random.Shared.NextBytes(clip);
        var id = Guid.CreateVersion7();
        await File.WriteAllBytesAsync(folder.ClipPath(id), clip);
        folder.Add(new EvidenceItem { AlertId = id, Manifest = "{}"u8.ToArray(), Signature = [1], KeyId = "k", HasClip = true });
        var link = new ScriptedLink(failAt: 3);
        var uploader = new EvidenceUploader(folder, link, () => false, 1024, TimeProvider.System, NullLogger<EvidenceUploader>.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = uploader.RunAsync(stop.Token);
        await link.ManifestSent.Task.WaitAsync(stop.Token);
        await stop.CancelAsync();
        await StoppedAsync(run);

        var received = new byte[clip.Length];
        foreach (var piece in link.Pieces)
        {
            Assert.True(ClipChunk.TryDecode(piece, out var chunk, out var error), error);
            Assert.Equal(clip.Length, chunk!.Total);
            chunk.Data.Span.CopyTo(received.AsSpan((int)chunk.Offset));
        }

        Assert.Equal(clip, received);
        Assert.Equal(10, link.Pieces.Count); // 9 whole pieces and the tail: the one the link dropped went again, once
        Assert.False(folder.IsPending(id));
    }

    [Fact]
    public async Task After_a_restart_a_new_uploader_goes_on_from_the_progress_kept_on_disk()
    {
        var folder = new EvidenceFolder(_dir.Path);
        var clip = new byte[40 * 1024];
        Random.Shared.NextBytes(clip);
        var id = Guid.CreateVersion7();
        await File.WriteAllBytesAsync(folder.ClipPath(id), clip);
        folder.Add(new EvidenceItem { AlertId = id, Manifest = "{}"u8.ToArray(), Signature = [1], KeyId = "k", HasClip = true });

        // The first run's link dies for good after 20 pieces; the box is then stopped.
        var dying = new DyingLink(confirmed: 20);
        using (var first = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            var run = new EvidenceUploader(folder, dying, () => false, 1024, TimeProvider.System, NullLogger<EvidenceUploader>.Instance).RunAsync(first.Token);
            await dying.Dead.Task.WaitAsync(first.Token);
            await first.CancelAsync();
            await StoppedAsync(run);
        }

        var link = new ScriptedLink(failAt: 0);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var second = new EvidenceUploader(new EvidenceFolder(_dir.Path), link, () => false, 1024, TimeProvider.System, NullLogger<EvidenceUploader>.Instance).RunAsync(stop.Token);
        await link.ManifestSent.Task.WaitAsync(stop.Token);
        await stop.CancelAsync();
        await StoppedAsync(second);

        Assert.True(ClipChunk.TryDecode(link.Pieces[0], out var resumed, out _));
        Assert.Equal(20 * 1024, resumed!.Offset);
        var received = new byte[clip.Length];
        foreach (var piece in dying.Pieces.Concat(link.Pieces))
        {
            ClipChunk.TryDecode(piece, out var chunk, out _);
            chunk!.Data.Span.CopyTo(received.AsSpan((int)chunk.Offset));
        }

        Assert.Equal(clip, received);
    }

    /// <summary>
    /// Waits for a run that was told to stop: whether it ends by throwing <see cref="OperationCanceledException"/> or by
    /// returning depends on where the cancellation found it, and both are a clean stop; one that never ends fails.
    /// </summary>
    private static async Task StoppedAsync(Task run)
    {
        try
        {
            await run.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Confirms a number of pieces, then fails every send and never comes back.</summary>
    private sealed class DyingLink(int confirmed) : IEvidenceTransport
    {
        public List<byte[]> Pieces { get; } = [];

        public TaskCompletionSource Dead { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<int> WaitForConnectionAsync(int afterConnection, CancellationToken cancellationToken)
        {
            if (afterConnection == 0)
            {
                return 1;
            }

            Dead.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public Task<UplinkSendResult> SendClipPieceAsync(Guid alertId, ReadOnlyMemory<byte> piece, CancellationToken cancellationToken)
        {
            if (Pieces.Count == confirmed)
            {
                return Task.FromResult(UplinkSendResult.LinkFailed(1, "cut"));
            }

            Pieces.Add(piece.ToArray());
            return Task.FromResult(UplinkSendResult.Confirmed(1));
        }

        public Task<UplinkSendResult> SendManifestAsync(Guid alertId, ReadOnlyMemory<byte> envelope, CancellationToken cancellationToken) =>
            Task.FromResult(UplinkSendResult.LinkFailed(1, "cut"));
    }

    private sealed class ScriptedLink(int failAt) : IEvidenceTransport
    {
        private int _sends;
        private int _connection = 1;

        public List<byte[]> Pieces { get; } = [];

        public TaskCompletionSource ManifestSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<int> WaitForConnectionAsync(int afterConnection, CancellationToken cancellationToken) =>
            Task.FromResult(afterConnection >= _connection ? ++_connection : _connection);

        public Task<UplinkSendResult> SendClipPieceAsync(Guid alertId, ReadOnlyMemory<byte> piece, CancellationToken cancellationToken)
        {
            if (++_sends == failAt)
            {
                return Task.FromResult(UplinkSendResult.LinkFailed(_connection, "cut"));
            }

            Pieces.Add(piece.ToArray());
            return Task.FromResult(UplinkSendResult.Confirmed(_connection));
        }

        public Task<UplinkSendResult> SendManifestAsync(Guid alertId, ReadOnlyMemory<byte> envelope, CancellationToken cancellationToken)
        {
            ManifestSent.TrySetResult();
            return Task.FromResult(UplinkSendResult.Confirmed(_connection));
        }
    }

    public void Dispose() => _dir.Dispose();
}
