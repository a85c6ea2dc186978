namespace EdgeGateway.Supervision.Health;

/// <summary>
/// The answer of a liveness (<c>/healthz</c>) or readiness (<c>/readyz</c>) probe: overall
/// <c>ok</c> or <c>fail</c>, and one entry per check. Details are states and numbers, never settings.
/// </summary>
public sealed record HealthReport(string Status, IReadOnlyList<HealthCheck> Checks)
{
    public bool Ok => Status == "ok";

    public static HealthReport Of(IReadOnlyList<HealthCheck> checks)
    {
        ArgumentNullException.ThrowIfNull(checks);
        return new(checks.All(c => c.Ok) ? "ok" : "fail", checks);
    }
}

/// <summary>One check of a probe.</summary>
public sealed record HealthCheck(string Name, string Status, string Detail)
{
    public bool Ok => Status == "ok";

    public static HealthCheck Pass(string name, string detail) => new(name, "ok", detail);

    public static HealthCheck Fail(string name, string detail) => new(name, "fail", detail);
}
