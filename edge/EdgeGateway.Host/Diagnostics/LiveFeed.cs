using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Diagnostics;

/// <summary>
/// Fans server-sent events out to every open page. Each page has its own small queue that drops
/// its oldest event when the browser falls behind, so a slow tab never holds up the gateway.
/// </summary>
internal sealed class LiveFeed(IOptions<JsonOptions> json)
{
    private const int QueuePerPage = 64;
    private readonly Lock _gate = new();
    private readonly List<Channel<SseItem<string>>> _pages = [];

    public int Pages
    {
        get
        {
            lock (_gate)
            {
                return _pages.Count;
            }
        }
    }

    public void Publish<T>(string eventType, T value)
    {
        Channel<SseItem<string>>[] pages;
        lock (_gate)
        {
            if (_pages.Count == 0)
            {
                return;
            }

            pages = [.. _pages];
        }

        var item = new SseItem<string>(JsonSerializer.Serialize(value, json.Value.SerializerOptions), eventType);
        foreach (var page in pages)
        {
            page.Writer.TryWrite(item);
        }
    }

    /// <summary>
    /// Ends every open page's stream, as a dropped Wi-Fi link would; each page reconnects by itself.
    /// </summary>
    public void DisconnectAll()
    {
        lock (_gate)
        {
            foreach (var page in _pages)
            {
                page.Writer.TryComplete();
            }
        }
    }

    /// <summary>The events for one page, starting with <paramref name="first"/>, until it disconnects.</summary>
    public async IAsyncEnumerable<SseItem<string>> Subscribe<T>(
        string firstType,
        T first,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var page = Channel.CreateBounded<SseItem<string>>(new BoundedChannelOptions(QueuePerPage)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_gate)
        {
            _pages.Add(page);
        }

        try
        {
            yield return new SseItem<string>(JsonSerializer.Serialize(first, json.Value.SerializerOptions), firstType);
            while (await page.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (page.Reader.TryRead(out var item))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _pages.Remove(page);
            }
        }
    }
}
