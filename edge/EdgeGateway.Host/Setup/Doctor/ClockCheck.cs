using System.Net.Http.Headers;

namespace EdgeGateway.Host.Setup.Doctor;

/// <summary>
/// The clock is sane: not before this build was made, and close to the relay's clock when a
/// relay is configured (alerts carry the box's time, and TLS certificates need it).
/// </summary>
internal sealed class ClockCheck : IDoctorCheck
{
    private static readonly TimeSpan WarnSkew = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan FailSkew = TimeSpan.FromMinutes(2);

    public string Name => "clock";

    public async Task<IReadOnlyList<DoctorResult>> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var now = context.Time.GetUtcNow();
        var hint = "enable time sync (`timedatectl set-ntp true`) or set the clock; a box without an RTC battery loses it on power cuts";
        if (BuiltAt() is { } built && now < built.AddDays(-1))
        {
            return [DoctorResult.Fail(Name, $"the clock says {now:u}, before this software was built ({built:u})", hint)];
        }

        if (context.Settings.RelayUrl is { Length: > 0 } relay && Uri.TryCreate(relay, UriKind.Absolute, out var relayUri))
        {
            if (await RelayTimeAsync(relayUri, cancellationToken) is { } relayTime)
            {
                var skew = now - relayTime;
                var text = $"{skew.TotalSeconds:+0;-0} s from the relay's clock";
                return Math.Abs(skew.Ticks) > FailSkew.Ticks ? [DoctorResult.Fail(Name, text, hint)]
                    : Math.Abs(skew.Ticks) > WarnSkew.Ticks ? [DoctorResult.Warn(Name, text, hint)]
                    : [DoctorResult.Pass(Name, $"{now:u}, {text}")];
            }
        }

        return File.Exists("/run/systemd/timesync/synchronized")
            ? [DoctorResult.Pass(Name, $"{now:u}, synchronised by systemd-timesyncd")]
            : [DoctorResult.Pass(Name, $"{now:u}, after the build date; sync state unknown")];
    }

    private static DateTimeOffset? BuiltAt()
    {
        var location = typeof(ClockCheck).Assembly.Location;
        return location.Length > 0 && File.Exists(location) ? new DateTimeOffset(File.GetLastWriteTimeUtc(location), TimeSpan.Zero) : null;
    }

    private static async Task<DateTimeOffset?> RelayTimeAsync(Uri relay, CancellationToken cancellationToken)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            using var request = new HttpRequestMessage(HttpMethod.Head, relay);
            using var response = await http.SendAsync(request, cancellationToken);
            return response.Headers.Date;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
