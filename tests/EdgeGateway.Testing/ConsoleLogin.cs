using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EdgeGateway.Testing;

/// <summary>Logging in to the relay's operators' console in a browser, as an operator does.</summary>
public static class ConsoleLogin
{
    public static async Task LogInAsync(IPage page, string name, string password)
    {
        ArgumentNullException.ThrowIfNull(page);
        await Expect(page.Locator("#login")).ToBeVisibleAsync();
        await page.Locator("#name").FillAsync(name);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("#login-button").ClickAsync();
        // The page the login answers with (a refused login answers the form again), however long a loaded machine
        // takes to serve it: the page's default 15 s ran out once.
        await page.WaitForLoadStateAsync(LoadState.Load, new() { Timeout = 45_000 });
    }
}
