using System.Globalization;
using System.Text;
using CloudRelay.Health;
using ContractHealthReport = EdgeGateway.Contracts.Telemetry.HealthReport;

namespace CloudRelay.OperatorConsole;

/// <summary>
/// The health pages. Each area's state is a coloured cell with its word; charts are inline SVG drawn on the server (no
/// script, nothing from elsewhere), scaled to the page's width so they read on a phone. What a box sent (camera
/// errors are free text) is encoded like any other value.
/// </summary>
internal static partial class ConsolePages
{
    private const int ChartWidth = 600;
    private const int ChartHeight = 120;

    public static string Health(ConsoleText t, ConsoleUser user, string? site, IReadOnlyList<DeviceHealthRow> rows, string? error) =>
        Layout(t, user, t["health.title"], page =>
        {
            page.Element("h1", t["health.title"]);
            if (error is not null)
            {
                page.Element("p", error, ("id", "health-error"), ("class", "error"), ("role", "alert"));
            }

            page.Open("form", ("id", "health-filter"), ("method", "get"), ("action", $"{Root}/health"), ("class", "filters"))
                .Element("label", t["fleet.site"], ("for", "site")).Open("input", ("id", "site"), ("name", "site"), ("value", site), ("maxlength", "64"))
                .Element("button", t["cases.apply"], ("type", "submit")).Raw("</form>");
            page.Raw("<ul id=\"health-counts\" class=\"counts\">");
            foreach (var word in HealthView.Words)
            {
                page.Open("li", ("data-state", word)).Text(t[$"health.state.{word}"]).Raw(" ")
                    .Element("span", rows.Count(r => HealthView.Word(r) == word).ToString(CultureInfo.InvariantCulture), ("class", "count")).Raw("</li>");
            }

            page.Raw("</ul>");
            if (rows.Count == 0)
            {
                page.Element("p", t["fleet.none"], ("id", "no-health-devices"));
                return;
            }

            page.Raw("<div class=\"wide\">").Open("table", ("id", "health-devices")).Raw("<thead><tr>")
                .Element("th", t["fleet.site"]).Element("th", t["fleet.device"]);
            foreach (var area in HealthView.AreaNames)
            {
                page.Element("th", t[$"health.area.{area}"]);
            }

            page.Element("th", t["health.received"]).Raw("</tr></thead><tbody>");
            foreach (var row in rows)
            {
                page.Open("tr", ("data-device", $"{row.Site}/{row.Device}"), ("data-state", HealthView.Word(row)))
                    .Element("td", row.Site).Raw("<td>")
                    .Element("a", row.Device, ("href", $"{Root}/health/{Uri.EscapeDataString(row.Site)}/{Uri.EscapeDataString(row.Device)}")).Raw("</td>");
                foreach (var area in HealthView.AreaNames)
                {
                    var state = row.Areas.TryGetValue(area, out var s) ? s : HealthState.None;
                    var word = HealthView.Word(state);
                    page.Element("td", t[$"health.state.{word}"], ("class", $"area {word}"), ("data-area", area), ("data-state", word));
                }

                page.Raw("<td>").Time(row.ReceivedMs, t["fleet.never"]);
                if (row.Stale)
                {
                    page.Raw(" ").Element("span", t["health.state.stale"], ("class", "badge stale"));
                }

                page.Raw("</td></tr>");
            }

            page.Raw("</tbody></table></div>");
        }, user.Csrf);

    public static string HealthDevice(ConsoleText t, ConsoleUser user, DeviceHealthRow row, IReadOnlyList<(long Ms, ContractHealthReport Report)> history,
        long sinceMs, long nowMs) =>
        Layout(t, user, t["health.device_title"], page =>
        {
            page.Element("h1", $"{t["health.device_title"]}: {row.Site}/{row.Device}");
            page.Element("p", t[$"health.state.{HealthView.Word(row)}"], ("id", "health-state"), ("class", $"area {HealthView.Word(row)}"));
            if (row.Report is { } report)
            {
                page.Raw("<dl class=\"facts\" id=\"health-facts\">")
                    .Element("dt", t["health.version"]).Element("dd", report.Version)
                    .Element("dt", t["health.received"]).Raw("<dd>").Time(row.ReceivedMs).Raw("</dd></dl>");
                page.Raw("<ul id=\"health-cameras\" class=\"alerts\">");
                foreach (var camera in report.Cameras)
                {
                    page.Open("li", ("data-camera", camera.Id)).Element("code", camera.Id).Raw(" ")
                        .Text(string.Create(CultureInfo.InvariantCulture, $"{camera.AnalysedFps:0.##}/{camera.TargetFps:0.##} fps"));
                    if (camera.Error is not null)
                    {
                        page.Raw(" ").Element("span", camera.Error, ("class", "camera-error"));
                    }

                    page.Raw("</li>");
                }

                page.Raw("</ul>");
            }

            var cameraIds = history.SelectMany(p => p.Report.Cameras.Select(c => c.Id)).Distinct(StringComparer.Ordinal).ToList();
            Chart(page, t["health.chart.fps"], "chart-fps", sinceMs, nowMs,
                [.. cameraIds.Select(id => (id, history.Select(p => (p.Ms, p.Report.Cameras.FirstOrDefault(c => c.Id == id)?.AnalysedFps)).ToList()))]);
            Chart(page, t["health.chart.backlog"], "chart-backlog", sinceMs, nowMs,
                [("backlog", history.Select(p => (p.Ms, (double?)p.Report.OutboxDepth.Values.Sum())).ToList())]);
            Chart(page, t["health.chart.disk"], "chart-disk", sinceMs, nowMs,
                [("GB", history.Select(p => (p.Ms, (double?)(p.Report.DiskFreeBytes / 1e9))).ToList())]);
            Chart(page, t["health.chart.cpu"], "chart-cpu", sinceMs, nowMs,
                [("cpu %", history.Select(p => (p.Ms, (double?)p.Report.CpuPercent)).ToList()),
                 ("°C", history.Select(p => (p.Ms, p.Report.TemperatureC)).ToList())]);
        }, user.Csrf);

    /// <summary>One chart: a polyline per series over the last 24 h, each scaled to the largest value of the chart.</summary>
    private static void Chart(Html page, string title, string id, long sinceMs, long nowMs, IReadOnlyList<(string Name, List<(long Ms, double? Value)> Points)> series)
    {
        page.Open("figure", ("id", id), ("class", "chart")).Element("figcaption", title);
        var max = series.SelectMany(s => s.Points).Select(p => p.Value ?? 0).DefaultIfEmpty(0).Max();
        var scale = max <= 0 ? 1 : max;
        page.Raw($"<svg viewBox=\"0 0 {ChartWidth} {ChartHeight}\" role=\"img\">")
            .Raw($"<line x1=\"0\" y1=\"{ChartHeight - 1}\" x2=\"{ChartWidth}\" y2=\"{ChartHeight - 1}\" stroke=\"#d5dde5\"></line>");
        var colours = new[] { "#0b5cad", "#b3261e", "#1e7a34", "#8a5a00" };
        for (var i = 0; i < series.Count; i++)
        {
            var points = new StringBuilder();
            var dots = new Html();
            foreach (var (ms, value) in series[i].Points)
            {
                if (value is { } v)
                {
                    // Inside a 4-unit margin, so a point at either end or at the top is drawn whole.
                    var x = 4 + ((ms - sinceMs) * (double)(ChartWidth - 8) / Math.Max(1, nowMs - sinceMs));
                    var y = ChartHeight - 4 - (v / scale * (ChartHeight - 8));
                    var at = string.Create(CultureInfo.InvariantCulture, $"{x:0.#},{y:0.#}");
                    points.Append(at).Append(' ');
                    // A dot per point: one report alone is no line.
                    dots.Open("circle", ("cx", at.Split(',')[0]), ("cy", at.Split(',')[1]), ("r", "2.5"), ("fill", colours[i % colours.Length])).Raw("</circle>");
                }
            }

            page.Open("polyline", ("points", points.ToString().TrimEnd()), ("fill", "none"), ("stroke", colours[i % colours.Length]),
                ("stroke-width", "2"), ("data-series", series[i].Name)).Raw("</polyline>").Raw(dots.ToString());
        }

        page.Raw("</svg><ul class=\"legend\">");
        for (var i = 0; i < series.Count; i++)
        {
            page.Open("li", ("style", $"color: {colours[i % colours.Length]}")).Text(series[i].Name).Raw("</li>");
        }

        page.Raw("</ul>").Element("span", string.Create(CultureInfo.InvariantCulture, $"max {max:0.##}"), ("class", "attrs")).Raw("</figure>");
    }
}
