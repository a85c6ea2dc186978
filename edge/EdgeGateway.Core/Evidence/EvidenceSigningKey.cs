using System.Security.Cryptography;
using EdgeGateway.Contracts.Evidence;
using EdgeGateway.DurableFiles;

namespace EdgeGateway.Core.Evidence;

/// <summary>
/// The box's EC P-256 key that signs evidence manifests. <c>provision</c> makes it (PKCS#8 PEM, mode 600); its public
/// half is registered at the relay by the claim or by <c>cloud-relay devices add --public-key</c>.
/// </summary>
public sealed class EvidenceSigningKey : IDisposable
{
    private readonly ECDsa _key;

    private EvidenceSigningKey(ECDsa key, string path)
    {
        _key = key;
        Path = path;
        KeyId = EvidenceSignature.KeyId(key);
        PublicKeyPem = EvidenceSignature.PublicKeyPem(key);
    }

    public string Path { get; }

    public string KeyId { get; }

    public string PublicKeyPem { get; }

    /// <summary>Reads the key, or makes one (mode 600) when the file does not exist yet.</summary>
    public static EvidenceSigningKey LoadOrCreate(string path, out bool created)
    {
        created = !File.Exists(path);
        var key = ECDsa.Create();
        try
        {
            if (created)
            {
                key.GenerateKey(ECCurve.NamedCurves.nistP256);
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
                DurableFile.Write(path, System.Text.Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem()), DurableFile.Private);
            }
            else
            {
                key.ImportFromPem(File.ReadAllText(path));
                if (key.KeySize != 256)
                {
                    throw new CryptographicException($"the evidence key '{path}' is a {key.KeySize}-bit key; expected EC P-256");
                }
            }

            return new EvidenceSigningKey(key, path);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    public byte[] Sign(ReadOnlySpan<byte> manifest) => EvidenceSignature.Sign(_key, manifest);

    public void Dispose() => _key.Dispose();
}
