using CloudRelay.Api;
using CloudRelay.Devices;
using CloudRelay.Ingest;
using CloudRelay.Settings;
using CloudRelay.Database;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using CloudRelay.Tls;
using CloudRelay.OperatorConsole;

namespace CloudRelay.Hosting;

/// <summary>
/// Builds a complete relay (broker or subscriber, storage, REST API, forwarder) as a
/// <see cref="WebApplication"/>, for <c>cloud-relay run</c> and for hosts that run it in-process.
/// </summary>
public static partial class RelayHost
{
    public static WebApplication Build(RelayStartOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Build(RelayConfigLoader.Load(options.ConfigFile, options.ToConfiguration()), options.ConfigFile, options.LogLevel);
    }

    /// <summary>Builds the relay from a configuration made by <see cref="RelayConfigLoader"/>.</summary>
    public static WebApplication Build(IConfiguration configuration, string? configFile = null, LogLevel? logLevel = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        // Only what the one loader read, as every other verb sees it (no appsettings.json, no unprefixed variables).
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        var httpUrl = builder.Configuration[$"{RelayOptions.Section}:{nameof(RelayOptions.HttpUrl)}"] is { Length: > 0 } url ? url : RelayOptions.DefaultHttpUrl;
        builder.WebHost.UseUrls(httpUrl);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.Logging.SetMinimumLevel(logLevel ?? LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Extensions.Http", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        builder.Services.AddCloudRelay(builder.Configuration);
        // An https:// API is served with the relay's own certificate.
        builder.Services.AddSingleton<IConfigureOptions<KestrelServerOptions>, RelayKestrelSetup>();
        // Listener rules hold only where the relay listens: the device and key verbs need no certificate.
        builder.Services.AddSingleton<IValidateOptions<RelayOptions>, Tls.RelayListenersValidator>();
        builder.Services.AddSingleton<IValidateOptions<RelayOptions>>(new HttpUrlValidator(httpUrl));
        var app = builder.Build();
        // Bad settings fail here, as one line per problem, before anything starts listening.
        _ = app.Services.GetRequiredService<IOptions<RelayOptions>>().Value;
        app.MapRelayApi();
        app.MapConsole();
        Health.MetricsEndpoint.MapMetrics(app);
        if (RelayConfigLoader.ExposureWarning(configFile) is { } exposed)
        {
            Log.ConfigReadableByOthers(app.Logger, exposed);
        }

        return app;
    }

    /// <summary>Gives Kestrel's https:// endpoints the relay's certificate (the one its MQTT TLS listener serves).</summary>
    private sealed class RelayKestrelSetup(IOptions<RelayOptions> relay) : IConfigureOptions<KestrelServerOptions>
    {
        public void Configure(KestrelServerOptions options)
        {
            options.AddServerHeader = false;
            if (RelayTls.CertificateFiles(relay.Value) is not null)
            {
                var certificate = RelayTls.LoadCertificate(relay.Value);
                options.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate);
            }
        }
    }

    /// <summary>The API's address, checked with the rest of the settings (it is not a <c>Relay:*</c> key).</summary>
    private sealed class HttpUrlValidator(string url) : IValidateOptions<RelayOptions>
    {
        public ValidateOptionsResult Validate(string? name, RelayOptions options) =>
            RelayTls.HttpUrlProblem(url, options) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.HostConfigReadableByOthers, Level = LogLevel.Warning, Message = "Config file {Path} is readable by other users; it may hold secrets, so make it mode 600 (chmod 600)")]
        public static partial void ConfigReadableByOthers(ILogger logger, string path);
    }
}

/// <summary>The in-process API on a built relay.</summary>
public static class RelayApplicationExtensions
{
    /// <summary>Registers a device (an existing one only with <paramref name="renew"/>) and returns the credentials it connects with.</summary>
    public static async Task<DeviceCredentials> RegisterDeviceAsync(this WebApplication app, string site, string device, bool renew = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        await app.Services.GetRequiredService<StoreReady>().EnsureAsync(cancellationToken);
        return await app.Services.GetRequiredService<DeviceRegistry>().AddAsync(site, device, renew: renew, cancellationToken: cancellationToken);
    }

    /// <summary>Alerts as they are stored: an event and an async stream.</summary>
    public static RelayAlertFeed AlertFeed(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Services.GetRequiredService<RelayAlertFeed>();
    }

    /// <summary>Ingest counters since start.</summary>
    public static RelayCounters Counters(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Services.GetRequiredService<RelayCounters>();
    }

    /// <summary>Makes a named, scoped API key, the key a platform sends as <c>X-Api-Key</c>; only its hash is kept.</summary>
    public static async Task<string> CreateApiKeyAsync(this WebApplication app, string name, string scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        await app.Services.GetRequiredService<StoreReady>().EnsureAsync(cancellationToken);
        return (await app.Services.GetRequiredService<CloudRelay.Api.ApiKeys>().CreateAsync(name, scope, cancellationToken)).Key;
    }
}
