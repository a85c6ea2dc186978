using System.Globalization;
using CloudRelay.Ingest;
using CloudRelay.Settings;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudRelay.Api;

/// <summary>
/// <c>POST /api/devices/claim</c> takes no API key (the one-time code is its credential), so its attempts are
/// rationed before anything touches the database: <c>Relay:Limits:ClaimAttemptsPerAddress</c> per client address (an
/// IPv6 address by its /64) and <c>ClaimAttemptsGlobal</c> from all addresses, within <c>ClaimWindow</c>. An attempt
/// past either gets 429 with Retry-After.
/// </summary>
public sealed partial class ClaimRateLimit(IOptions<RelayOptions> options, RelayCounters counters, TimeProvider time, ILogger<ClaimRateLimit> logger)
{
    private const string All = "*";
    private readonly FailedConnectLimiter _byAddress = new(options.Value.Limits.ClaimAttemptsPerAddress, options.Value.Limits.ClaimWindow, time);
    private readonly FailedConnectLimiter _global = new(options.Value.Limits.ClaimAttemptsGlobal, options.Value.Limits.ClaimWindow, time);
    private readonly LogThrottle _logThrottle = new(time);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var address = FailedConnectLimiter.AddressKey(http.Connection.RemoteIpAddress);
        var limits = options.Value.Limits;
        var overAll = _global.IsBlocked(All);
        if (overAll || _byAddress.IsBlocked(address))
        {
            var (key, max) = overAll ? ("ClaimAttemptsGlobal", limits.ClaimAttemptsGlobal) : ("ClaimAttemptsPerAddress", limits.ClaimAttemptsPerAddress);
            counters.CountLimit(LimitNames.ClaimRate);
            if (_logThrottle.ShouldLog(overAll ? All : address))
            {
                Log.Throttled(logger, overAll ? "all addresses" : address, max, limits.ClaimWindow, key);
            }

            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(limits.ClaimWindow.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "too many claim attempts",
                detail: $"more than {max} claim attempts from {(overAll ? "all addresses" : "this address")} within {limits.ClaimWindow} (Relay:Limits:{key}); try again later");
        }

        // Every attempt counts, good code or not: the limit is checked before the code is looked up.
        _global.RecordFailure(All);
        _byAddress.RecordFailure(address);
        return await next(context);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.ApiClaimThrottled, Level = LogLevel.Warning, Message = "Refused claim attempts from {Source}: more than {Max} within {Window} (Relay:Limits:{Key}; logged at most once a minute per source)")]
        public static partial void Throttled(ILogger logger, string source, int max, TimeSpan window, string key);
    }
}
