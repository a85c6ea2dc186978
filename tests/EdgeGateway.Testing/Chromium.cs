using Microsoft.Playwright;

namespace EdgeGateway.Testing;

/// <summary>
/// Debian's headless Chromium driven by Playwright, with a fresh profile folder per test and the
/// flags that keep it off the network (the machine has none, and CI must not depend on one).
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";
    private readonly IPlaywright _playwright;
    private readonly string _profile;

    private Chromium(IPlaywright playwright, IBrowserContext context, string profile)
    {
        _playwright = playwright;
        Context = context;
        _profile = profile;
    }

    public IBrowserContext Context { get; }

    public static bool IsInstalled => File.Exists(ExecutablePath);

    /// <summary>
    /// Starts Chromium with a fresh profile. <paramref name="trustedCertificate"/> (a PEM file) is trusted by its public
    /// key, as a technician does after checking the fingerprint; any other certificate error still fails the page.
    /// </summary>
    public static Task<Chromium> StartAsync(string? trustedCertificate = null) => StartAsync(trustedCertificate, Screen.Desktop, locale: null);

    /// <summary>
    /// As <see cref="StartAsync(string?)"/>, on <paramref name="screen"/> (a phone is a touch screen at 3x) and with the
    /// browser's language <paramref name="locale"/> (its Accept-Language), e.g. zh-CN.
    /// </summary>
    public static async Task<Chromium> StartAsync(string? trustedCertificate, Screen screen, string? locale)
    {
        ArgumentNullException.ThrowIfNull(screen);
        var profile = Directory.CreateTempSubdirectory("edgegw-chromium-").FullName;
        string[] trust = trustedCertificate is null ? [] : [$"--ignore-certificate-errors-spki-list={PublicKeyPin(trustedCertificate)}"];
        var playwright = await Playwright.CreateAsync();
        var context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", .. trust,
            ],
            ViewportSize = new ViewportSize { Width = screen.Width, Height = screen.Height },
            IsMobile = screen.Phone,
            HasTouch = screen.Phone,
            DeviceScaleFactor = screen.Phone ? 3 : 1,
            Locale = locale,
            AcceptDownloads = true,
        });
        return new Chromium(playwright, context, profile);
    }

    /// <summary>Base64 SHA-256 of the certificate's SubjectPublicKeyInfo, the form Chromium's SPKI list takes.</summary>
    public static string PublicKeyPin(string certificatePath)
    {
        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(certificatePath);
        return Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
    }

    public async Task<IPage> NewPageAsync()
    {
        var page = await Context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        // Expect(...) waits 5 s unless told otherwise: too short for a page on a loaded 2-core machine.
        Microsoft.Playwright.Assertions.SetDefaultExpectTimeout(15_000);
        return page;
    }

    /// <summary>Saves a full-page screenshot under artifacts/screenshots and returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        var directory = Path.Combine(RepoPaths.Root, "artifacts", "screenshots");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        _playwright.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A browser window size; phones are touch screens.</summary>
public sealed record Screen(string Name, int Width, int Height, bool Phone)
{
    public static readonly Screen Desktop = new("desktop-1280", 1280, 900, Phone: false);

    public static readonly Screen Phone390 = new("phone-390", 390, 844, Phone: true);

    public static readonly Screen Phone360 = new("phone-360", 360, 740, Phone: true);

    public static readonly Screen Desktop1400 = new("desktop-1400", 1400, 1000, Phone: false);

    public override string ToString() => Name;
}
