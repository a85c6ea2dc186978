namespace EdgeGateway.Host.Setup;

/// <summary>One thing wrong with the config: the key, the value found, what was expected.</summary>
internal sealed record ConfigProblem(string Key, string? Value, string Expected)
{
    public override string ToString() => $"{Key} = '{Value ?? string.Empty}': {Expected}";
}
