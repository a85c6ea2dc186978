namespace EdgeGateway.Contracts;

/// <summary>How alerts are encoded on the wire (<c>Uplink:Encoding</c>).</summary>
public enum AlertEncoding
{
    Cbor = 0,
    Json = 1,
}
