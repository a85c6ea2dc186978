using System.Globalization;
using CloudRelay.Fleet;
using CloudRelay.Database;
using EdgeGateway.Contracts.Fleet;

namespace CloudRelay.OperatorConsole;

/// <summary>
/// The fleet pages. Status words stay the words the CLI and REST print (a badge, with the page's language as its title);
/// everything a box reported (lines, gate names and values) and every layer's text is encoded like any other value.
/// </summary>
internal static partial class ConsolePages
{
    private static readonly string[] FleetColumns =
        ["fleet.site", "fleet.device", "fleet.desired_version", "fleet.reported_version", "fleet.status", "fleet.lines", "fleet.gates", "fleet.time"];

    private static readonly string[] LayerColumns = ["fleet.target", "fleet.version", "fleet.updated_by", "fleet.updated"];
    private static readonly string[] GateColumns = ["fleet.gate_name", "fleet.gate_passed", "fleet.gate_value"];

    public static string Fleet(ConsoleText t, ConsoleUser user, FleetFilter filter, IReadOnlyList<FleetDeviceRow> rows, IReadOnlyList<FleetLayerRecord> layers,
        string? error) =>
        Layout(t, user, t["fleet.title"], page =>
        {
            page.Element("h1", t["fleet.title"]);
            if (error is not null)
            {
                page.Element("p", error, ("id", "fleet-error"), ("class", "error"), ("role", "alert"));
            }

            page.Open("form", ("id", "fleet-filter"), ("method", "get"), ("action", $"{Root}/fleet"), ("class", "filters"))
                .Element("label", t["fleet.site"], ("for", "site")).Open("input", ("id", "site"), ("name", "site"), ("value", filter.Site), ("maxlength", "64"))
                .Element("label", t["fleet.status"], ("for", "status")).Open("select", ("id", "status"), ("name", "status"));
            Option(page, string.Empty, t["fleet.any"], filter.Status);
            foreach (var status in FleetFilter.Statuses)
            {
                Option(page, status, $"{t[$"fleet.status.{status}"]} ({status})", filter.Status);
            }

            page.Raw("</select>").Element("button", t["cases.apply"], ("type", "submit")).Raw("</form>");
            // The counts REST and the CLI print, from their one owner.
            var counts = FleetViews.Devices(rows)["counts"]!.AsObject();
            page.Raw("<ul id=\"fleet-counts\" class=\"counts\">");
            foreach (var status in FleetFilter.Statuses)
            {
                var count = counts[status]?.GetValue<int>() ?? 0;
                var query = filter.Site is null ? $"?status={status}" : $"?site={Uri.EscapeDataString(filter.Site)}&status={status}";
                page.Open("li", ("data-status", status), ("class", status == filter.Status ? "chosen" : null))
                    .Open("a", ("href", $"{Root}/fleet{query}")).Text(t[$"fleet.status.{status}"]).Raw(" ").Element("code", status).Raw("</a> ")
                    .Element("span", count.ToString(CultureInfo.InvariantCulture), ("class", "count")).Raw("</li>");
            }

            page.Raw("</ul>");
            var shown = rows.Where(filter.Matches).ToList();
            if (shown.Count == 0)
            {
                page.Element("p", t["fleet.none"], ("id", "no-fleet-devices"));
            }
            else
            {
                page.Raw("<div class=\"wide\">");
                TableStart(page, t, "fleet-devices", FleetColumns);
                foreach (var row in shown)
                {
                    FleetRow(page, t, row);
                }

                page.Raw("</tbody></table></div>");
            }

            Layers(page, t, user, layers);
        }, user.Csrf);

    public static string FleetDevice(ConsoleText t, ConsoleUser user, string site, string device, FleetDeviceConfig config) =>
        Layout(t, user, t["fleet.device_title"], page =>
        {
            var reported = config.Reported?.Report;
            page.Element("h1", $"{t["fleet.device_title"]}: {site}/{device}");
            page.Raw("<dl class=\"facts\" id=\"fleet-device\">")
                .Element("dt", t["fleet.desired_version"]).Element("dd", Version(t, config.Desired?.Version), ("id", "desired-version"))
                .Element("dt", t["fleet.sha256"]).Element("dd", config.Desired?.Sha256 ?? string.Empty, ("class", "hash"))
                .Element("dt", t["fleet.reported_version"]).Element("dd", Version(t, reported?.Version), ("id", "reported-version"))
                .Element("dt", t["fleet.status"]).Raw("<dd id=\"reported-status\">");
            Status(page, t, reported?.Status);
            page.Raw("</dd>").Element("dt", t["fleet.time"]).Raw("<dd>").Time(reported?.TimeMs, t["fleet.never"]).Raw("</dd>")
                .Element("dt", t["fleet.received"]).Raw("<dd>").Time(config.Reported?.ReceivedMs, t["fleet.never"]).Raw("</dd></dl>");
            if (user.MayEditFleet)
            {
                page.Element("a", t["fleet.edit_device_layer"], ("id", "edit-device-layer"),
                    ("href", $"{Root}/fleet/layer?target={Uri.EscapeDataString(FleetTarget.ForDevice(site, device).ToString())}"));
            }

            page.Element("h2", t["fleet.lines"]);
            Lines(page, reported?.Lines ?? [], "report-lines");
            page.Element("h2", t["fleet.gates"]);
            if (reported is { Gates.Count: > 0 })
            {
                TableStart(page, t, "report-gates", GateColumns);
                foreach (var gate in reported.Gates)
                {
                    page.Open("tr", ("data-gate", gate.Name), ("data-passed", gate.Passed ? "true" : "false"))
                        .Element("td", gate.Name).Element("td", gate.Passed ? t["fleet.gate_ok"] : t["fleet.gate_failed"], ("class", gate.Passed ? "online" : "offline"))
                        .Element("td", gate.Value).Raw("</tr>");
                }

                page.Raw("</tbody></table>");
            }
            else
            {
                page.Element("p", t["fleet.no_gates"]);
            }

            page.Element("h2", t["fleet.desired_document"]);
            page.Element("pre", config.Desired is { } desired ? LineDiff.Print(desired.Document) : t["fleet.no_desired"], ("id", "desired-document"), ("class", "document"));
        }, user.Csrf);

    public static string LayerEditor(ConsoleText t, ConsoleUser user, LayerEdit edit) =>
        Layout(t, user, t["fleet.editor_title"], page =>
        {
            page.Open("h1").Text(t["fleet.editor_title"]).Raw(" ").Element("code", edit.Target, ("id", "layer-target")).Raw("</h1>")
                .Element("p", edit.Version is { } version ? $"{t["fleet.version"]}: {version}" : t["fleet.no_layer"], ("id", "layer-version"));
            if (edit.Problems.Count > 0)
            {
                page.Raw("<ul id=\"layer-problems\" class=\"error\" role=\"alert\">");
                foreach (var problem in edit.Problems)
                {
                    page.Element("li", problem);
                }

                page.Raw("</ul>");
            }

            page.Open("form", ("id", "layer-form"), ("method", "post"), ("action", $"{Root}/fleet/layer/preview"), ("class", "editor"));
            Csrf(page, user.Csrf);
            page.Open("input", ("type", "hidden"), ("name", "target"), ("value", edit.Target))
                .Element("label", t["fleet.layer_text"], ("for", "layer-text"))
                .Element("textarea", edit.Text, ("id", "layer-text"), ("name", "layer"), ("rows", "18"), ("spellcheck", "false"), ("required", "required"))
                .Element("button", t["fleet.preview"], ("id", "preview-button"), ("type", "submit")).Raw("</form>");
            if (edit.Diff is { } diff)
            {
                Diff(page, t, diff);
                page.Open("form", ("id", "save-form"), ("method", "post"), ("action", $"{Root}/fleet/layer/save"));
                Csrf(page, user.Csrf);
                page.Open("input", ("type", "hidden"), ("name", "target"), ("value", edit.Target))
                    .Open("input", ("type", "hidden"), ("name", "layer"), ("value", edit.Text))
                    .Open("input", ("type", "hidden"), ("name", "base"), ("value", diff.Base.ToString(CultureInfo.InvariantCulture)))
                    .Element("button", t["fleet.save"], ("id", "save-button"), ("type", "submit")).Raw("</form>");
            }

            if (edit.Version is not null)
            {
                page.Open("form", ("id", "clear-form"), ("method", "post"), ("action", $"{Root}/fleet/layer/clear"));
                Csrf(page, user.Csrf);
                page.Open("input", ("type", "hidden"), ("name", "target"), ("value", edit.Target))
                    .Element("button", t["fleet.clear"], ("id", "clear-button"), ("type", "submit"), ("class", "remove")).Raw("</form>");
            }

            page.Open("p").Element("a", t["fleet.back"], ("href", $"{Root}/fleet#layers")).Raw("</p>");
        }, user.Csrf);

    private static void FleetRow(Html page, ConsoleText t, FleetDeviceRow row)
    {
        var report = row.Reported?.Report;
        page.Open("tr", ("data-device", $"{row.Site}/{row.Device}"), ("data-status", row.Status), ("class", row.IsBehind ? "behind" : null))
            .Element("td", row.Site)
            .Raw("<td>").Element("a", row.Device, ("href", $"{Root}/fleet/devices/{Uri.EscapeDataString(row.Site)}/{Uri.EscapeDataString(row.Device)}")).Raw("</td>")
            .Element("td", Version(t, row.DesiredVersion > 0 ? row.DesiredVersion : null), ("class", "desired"))
            .Element("td", Version(t, report?.Version), ("class", "reported"))
            .Raw("<td class=\"status\">");
        Status(page, t, report?.Status);
        page.Raw("</td><td>");
        Lines(page, report?.Lines ?? [], null);
        page.Raw("</td><td><ul class=\"gates\">");
        foreach (var gate in report?.Gates ?? [])
        {
            page.Element("li", $"{gate.Name}: {(gate.Passed ? t["fleet.gate_ok"] : t["fleet.gate_failed"])} · {gate.Value}",
                ("class", gate.Passed ? "gate online" : "gate offline"), ("data-gate", gate.Name), ("data-passed", gate.Passed ? "true" : "false"));
        }

        page.Raw("</ul></td><td>").Time(report?.TimeMs, t["fleet.never"]).Raw("</td></tr>");
    }

    private static void Layers(Html page, ConsoleText t, ConsoleUser user, IReadOnlyList<FleetLayerRecord> layers)
    {
        page.Element("h2", t["fleet.layers"], ("id", "layers"));
        if (layers.Count == 0)
        {
            page.Element("p", t["fleet.no_layers"], ("id", "no-layers"));
        }
        else
        {
            TableStart(page, t, "fleet-layers", user.MayEditFleet ? [.. LayerColumns, "fleet.actions"] : LayerColumns);
            foreach (var layer in layers)
            {
                var target = layer.Target.ToString();
                page.Open("tr", ("data-target", target)).Element("td", target)
                    .Element("td", layer.Revision.ToString(CultureInfo.InvariantCulture), ("class", "version"))
                    .Element("td", layer.UpdatedBy, ("class", "by")).Raw("<td>").Time(layer.UpdatedMs).Raw("</td>");
                if (user.MayEditFleet)
                {
                    page.Raw("<td>").Element("a", t["fleet.edit"], ("href", $"{Root}/fleet/layer?target={Uri.EscapeDataString(target)}"), ("class", "edit")).Raw("</td>");
                }

                page.Raw("</tr>");
            }

            page.Raw("</tbody></table>");
        }

        if (user.MayEditFleet)
        {
            page.Open("form", ("id", "new-layer"), ("method", "get"), ("action", $"{Root}/fleet/layer"), ("class", "filters"))
                .Element("label", t["fleet.target"], ("for", "new-target"))
                .Open("input", ("id", "new-target"), ("name", "target"), ("required", "required"), ("maxlength", "140"), ("placeholder", "all | site:<site> | device:<site>/<device>"))
                .Element("button", t["fleet.open_editor"], ("id", "new-layer-button"), ("type", "submit")).Raw("</form>");
        }
    }

    /// <summary>Old on the left, new on the right; a changed row marks its old line removed and its new line added.</summary>
    private static void Diff(Html page, ConsoleText t, LayerDiff diff)
    {
        page.Element("h2", t["fleet.diff_title"])
            .Element("p", diff.OfDevice ? t["fleet.diff_device"] : t["fleet.diff_layer"], ("class", "hint"));
        page.Open("table", ("id", "layer-diff"), ("class", "diff")).Raw("<thead><tr>")
            .Element("th", $"{t["fleet.diff_before"]} ({t["fleet.version"]} {diff.Base.ToString(CultureInfo.InvariantCulture)})")
            .Element("th", t["fleet.diff_after"]).Raw("</tr></thead><tbody>");
        foreach (var row in diff.Rows)
        {
            page.Open("tr", ("class", row.Changed ? "changed" : null))
                .Element("td", row.Left, ("class", !row.Changed ? "same" : row.Left is null ? "gap" : "removed"))
                .Element("td", row.Right, ("class", !row.Changed ? "same" : row.Right is null ? "gap" : "added")).Raw("</tr>");
        }

        page.Raw("</tbody></table>");
    }

    private static void Status(Html page, ConsoleText t, string? status)
    {
        var word = status ?? FleetFilter.None;
        // A word the contract does not know still shows, as the box sent it.
        var label = t[$"fleet.status.{word}"];
        page.Element("span", word, ("class", "badge"), ("data-status", word), ("title", label == $"fleet.status.{word}" ? null : label));
    }

    private static void Lines(Html page, IReadOnlyList<string> lines, string? id)
    {
        page.Open("ul", ("id", id), ("class", "lines"));
        foreach (var line in lines)
        {
            page.Element("li", line);
        }

        page.Raw("</ul>");
    }

    private static string Version(ConsoleText t, long? version) => version is { } v ? v.ToString(CultureInfo.InvariantCulture) : t["fleet.no_version"];
}
