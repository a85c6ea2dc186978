namespace EdgeGateway.Host.Setup.Provision;

/// <summary>Everything <c>edgegw provision</c> can be told by flags; null means "ask, or keep".</summary>
internal sealed record ProvisionInput
{
    public required string ConfigPath { get; init; }

    public bool Force { get; init; }

    public bool NonInteractive { get; init; }

    public bool GenerateKey { get; init; }

    public bool SkipModels { get; init; }

    public string? DeviceId { get; init; }

    public string? SiteId { get; init; }

    public string? DataDir { get; init; }

    public string? ModelsDir { get; init; }

    public IReadOnlyList<string> Cameras { get; init; } = [];

    public IReadOnlyList<string> Zones { get; init; } = [];

    public string? Board { get; init; }

    public string? Broker { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    public string? Encoding { get; init; }

    public string? RelayUrl { get; init; }

    public string? ClaimCode { get; init; }

    /// <summary>The relay CA's SHA-256 fingerprint as the operator gave it, out of band: the claim's CA must match it.</summary>
    public string? RelayCaFingerprint { get; init; }

    public string? DiagnosticsUrl { get; init; }

    public string? DiagnosticsPassword { get; init; }
}

/// <summary>How provision and doctor end, for scripts.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int InvalidInput = 2;
    public const int RelayRefused = 3;
    public const int CannotWrite = 4;
}

/// <summary>Fetches a model's weights into the cache and checks their hash; reports 0..100 when it can.</summary>
internal interface IModelFetcher
{
    Task<string> FetchAsync(string model, string? cacheDir, IProgress<double> percent, CancellationToken cancellationToken);
}
