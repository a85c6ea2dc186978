using System.Net;
using System.Text.RegularExpressions;
using CloudRelay.Fleet;
using CloudRelay.OperatorConsole;
using EdgeGateway.Contracts.Fleet;
using Microsoft.Extensions.DependencyInjection;

namespace CloudRelay.Tests.Console;

/// <summary>
/// The layer editor's posts against a real relay over HTTPS, as a browser sends them: only an admin with this session's
/// CSRF token changes a layer; a refused layer shows the service's own lines; a save over a configuration that changed
/// since its diff was shown stores nothing and shows the diff again.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class ConsoleFleetFormTests
{
    private const string Password = "fleet-admin-2026";

    [Fact]
    public async Task Only_an_admin_with_the_sessions_token_changes_a_layer_and_refusals_name_what_was_wrong()
    {
        await using var relay = await RelayTestHost.StartAsync(https: true);
        var operators = relay.App.Services.GetRequiredService<Operators>();
        await operators.AddAsync("wang.fang", OperatorRoles.Admin, Password);
        await operators.AddAsync("li.wei", OperatorRoles.Operator, Password);
        var fleet = relay.App.Services.GetRequiredService<FleetConfigService>();
        var layer = new Dictionary<string, string> { ["target"] = "all", ["layer"] = """{"Outbox": {"MaxItems": 1}}""" };

        // No login, no fleet: to the login page, and a post changes nothing.
        using var stranger = new ConsoleClient(relay);
        var anonymous = await stranger.GetAsync("/console/fleet");
        Assert.Equal((HttpStatusCode.Redirect, "/console/login"), (anonymous.Status, anonymous.Response.Headers.Location?.OriginalString));
        Assert.Equal(HttpStatusCode.Redirect, (await stranger.PostAsync("/console/fleet/layer/save", layer)).Status);

        // An operator reads the fleet (in Chinese by default), but the editor and its posts are refused whatever the token.
        using var chinese = new ConsoleClient(relay);
        await chinese.LogInAsync("li.wei", Password);
        Assert.Contains("<h1>设备配置</h1>", (await chinese.GetAsync("/console/fleet")).Body, StringComparison.Ordinal);
        using var operatorClient = new ConsoleClient(relay, "en");
        await operatorClient.LogInAsync("li.wei", Password);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.GetAsync("/console/fleet")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await operatorClient.GetAsync("/console/fleet/layer?target=all")).Status);
        await operatorClient.GetAsync("/console/fleet");
        Assert.Equal(HttpStatusCode.Forbidden, (await operatorClient.PostAsync("/console/fleet/layer/preview", layer)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await operatorClient.PostAsync("/console/fleet/layer/save", layer)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await operatorClient.PostAsync("/console/fleet/layer/clear", new Dictionary<string, string> { ["target"] = "all" })).Status);

        // An admin without the token, or with another session's, changes nothing either.
        using var admin = new ConsoleClient(relay, "en");
        await admin.LogInAsync("wang.fang", Password);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PostAsync("/console/fleet/layer/save", layer, csrf: "")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PostAsync("/console/fleet/layer/save", layer, csrf: operatorClient.Csrf)).Status);
        Assert.Empty(await fleet.ListAsync(CancellationToken.None));

        // Refused layers show the service's lines: the JSON's line, the forbidden key; a bad target or filter names its value.
        var badJson = await admin.PostAsync("/console/fleet/layer/save", new Dictionary<string, string> { ["target"] = "all", ["layer"] = "{\n  \"Outbox\": {\"MaxItems\": 1O}\n}" });
        Assert.Equal(HttpStatusCode.BadRequest, badJson.Status);
        Assert.StartsWith("layer for 'all' is refused: line 2:", Assert.Single(Problems(badJson.Body)), StringComparison.Ordinal);
        var forbidden = await admin.PostAsync("/console/fleet/layer/save", new Dictionary<string, string> { ["target"] = "site:xuhui-0193", ["layer"] = """{"Uplink": {"Broker": "mqtts://elsewhere:8883"}}""" });
        Assert.Equal(HttpStatusCode.BadRequest, forbidden.Status);
        Assert.Contains("Uplink:Broker", Assert.Single(Problems(forbidden.Body)), StringComparison.Ordinal);
        var badTarget = await admin.GetAsync("/console/fleet/layer?target=site:bad%20name");
        Assert.Equal(HttpStatusCode.BadRequest, badTarget.Status);
        Assert.StartsWith("target 'site:bad name' is invalid; expected 'all'", Assert.Single(Problems(badTarget.Body)), StringComparison.Ordinal);
        var badSite = await admin.GetAsync("/console/fleet?site=a%2Fb");
        Assert.Equal((HttpStatusCode.BadRequest, "site 'a/b' is invalid; expected 1 to 64 letters, digits, '-', '_' or '.' (no spaces, '/', '+' or '#')"),
            (badSite.Status, ConsoleClient.ErrorOf(badSite.Body)));
        var badStatus = await admin.GetAsync("/console/fleet?status=broken");
        Assert.Equal((HttpStatusCode.BadRequest, "status 'broken' is unknown; expected one of applied, pending, deferred, invalid, rolled_back, none, behind"),
            (badStatus.Status, ConsoleClient.ErrorOf(badStatus.Body)));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/console/fleet/devices/xuhui-0193/no-such-box")).Status);

        // Too large: past the layer's bound the service says so; past what the form may carry, the console does.
        var large = $$$"""{"Vision": {"Note": "{{{new string('x', FleetDocument.MaxBytes)}}}"}}""";
        var tooLarge = await admin.PostAsync("/console/fleet/layer/save", new Dictionary<string, string> { ["target"] = "all", ["layer"] = large });
        Assert.Equal(HttpStatusCode.BadRequest, tooLarge.Status);
        Assert.Equal($"layer for 'all' of {large.Length} bytes is refused; expected at most {FleetDocument.MaxBytes}", Assert.Single(Problems(tooLarge.Body)));
        var huge = await admin.PostAsync("/console/fleet/layer/save", new Dictionary<string, string> { ["target"] = "all", ["layer"] = large + new string(' ', 3 * FleetDocument.MaxBytes) });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.Status);
        Assert.StartsWith("form of ", ConsoleClient.ErrorOf(huge.Body), StringComparison.Ordinal);
        Assert.Empty(await fleet.ListAsync(CancellationToken.None));

        // The admin previews against no layer; another admin's change lands before the save: nothing is saved, the new diff shows.
        var preview = await admin.PostAsync("/console/fleet/layer/preview", layer);
        Assert.Equal((HttpStatusCode.OK, "0"), (preview.Status, BaseOf(preview.Body)));
        var elsewhere = (await fleet.SetAsync("all", """{"Outbox": {"MaxItems": 5}}""", "cli:root", CancellationToken.None)).Change!;
        var stale = await admin.PostAsync("/console/fleet/layer/save", new Dictionary<string, string>(layer) { ["base"] = "0" });
        Assert.Equal(HttpStatusCode.Conflict, stale.Status);
        Assert.Equal("The configuration changed since these changes were shown; review them again before saving.", Assert.Single(Problems(stale.Body)));
        Assert.Contains("<td class=\"removed\">    &quot;MaxItems&quot;: 5</td><td class=\"added\">    &quot;MaxItems&quot;: 1</td>", stale.Body, StringComparison.Ordinal);
        Assert.Equal(5, (await fleet.ListAsync(CancellationToken.None)).Single().Document!["Outbox"]!["MaxItems"]!.GetValue<int>());

        var saved = await admin.PostAsync("/console/fleet/layer/save", new Dictionary<string, string>(layer) { ["base"] = BaseOf(stale.Body)! });
        Assert.Equal(HttpStatusCode.Redirect, saved.Status);
        var stored = (await fleet.ListAsync(CancellationToken.None)).Single();
        Assert.Equal((elsewhere.Version + 1, 1, "console:wang.fang"),
            (stored.Revision, stored.Document!["Outbox"]!["MaxItems"]!.GetValue<int>(), stored.UpdatedBy));

        // Clear: the layer goes; clearing again names what is missing.
        await admin.GetAsync("/console/fleet/layer?target=all");
        Assert.Equal(HttpStatusCode.Redirect, (await admin.PostAsync("/console/fleet/layer/clear", new Dictionary<string, string> { ["target"] = "all" })).Status);
        Assert.Null((await fleet.ListAsync(CancellationToken.None)).Single().Document);
        var again = await admin.PostAsync("/console/fleet/layer/clear", new Dictionary<string, string> { ["target"] = "all" });
        Assert.Equal(HttpStatusCode.NotFound, again.Status);
        Assert.StartsWith("target 'all' has no fleet layer to clear", Assert.Single(Problems(again.Body)), StringComparison.Ordinal);
    }

    /// <summary>The lines of the editor's problem list, as the reader sees them.</summary>
    private static List<string> Problems(string body)
    {
        var list = ProblemList().Match(body);
        return list.Success ? [.. ProblemItem().Matches(list.Groups[1].Value).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value))] : [];
    }

    private static string? BaseOf(string body) => BaseField().Match(body) is { Success: true } match ? match.Groups[1].Value : null;

    [GeneratedRegex("<ul id=\"layer-problems\"[^>]*>(.*?)</ul>", RegexOptions.Singleline)]
    private static partial Regex ProblemList();

    [GeneratedRegex("<li>([^<]*)</li>")]
    private static partial Regex ProblemItem();

    [GeneratedRegex("name=\"base\" value=\"(\\d+)\"")]
    private static partial Regex BaseField();
}
