using System.Globalization;
using System.Text;
using EdgeGateway.Host.Diagnostics.Text;
using EdgeGateway.Host.Setup.Doctor;
using static System.Net.WebUtility;

namespace EdgeGateway.Host.Diagnostics.Commissioning;

/// <summary>
/// The commissioning record (验收记录) as one self-contained, printable HTML file: inline CSS, frames as
/// data: URIs, nothing fetched from anywhere. The part between the signed markers is what the box's key signs.
/// </summary>
internal static class CommissioningReport
{
    public const string SignedBegin = "<!--edgegw-signed-begin-->";
    public const string SignedEnd = "<!--edgegw-signed-end-->";

    private const string Style = """
        body { font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif; color: #1d2330; margin: 1.5rem; font-size: 14px; }
        h1 { font-size: 1.5rem; margin: 0 0 .8rem; } h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem; border-bottom: 2px solid #1d2330; }
        table { border-collapse: collapse; width: 100%; margin: .3rem 0; } th, td { border: 1px solid #c4cad2; padding: .25rem .45rem; text-align: left; vertical-align: top; }
        th { background: #f1f3f5; } .facts th { width: 11rem; } td.pass, td.warn, td.fail { white-space: nowrap; } .pass { color: #1a7f37; font-weight: 600; } .warn { color: #9a6700; font-weight: 600; } .fail { color: #cf222e; font-weight: 600; }
        figure { margin: .4rem 0 1rem; break-inside: avoid; } figure img { max-width: 100%; border: 1px solid #c4cad2; } figcaption { color: #5d6677; font-size: .85rem; }
        .signatures { display: flex; gap: 3rem; margin-top: 2.5rem; } .signatures div { flex: 1; border-top: 1px solid #1d2330; padding-top: .3rem; }
        .fingerprint { font-family: monospace; word-break: break-all; } .muted { color: #5d6677; }
        @page { size: A4; margin: 15mm; } @media print { body { margin: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
        """;

    public static string Render(ReportFacts facts, PageText text, ReportSigner? signer)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(text);
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"<h1>{E(text["report.heading"])} · {E(facts.DeviceId)}</h1>\n");
        Facts(body, facts, text);
        Cameras(body, facts, text);
        Doctor(body, facts.Doctor, text);
        Signals(body, facts, text);
        Uplink(body, facts, text);
        body.Append(CultureInfo.InvariantCulture,
            $"<div class=\"signatures\"><div>{E(text["report.signerLine"])}: {E(facts.Technician)}</div><div>{E(text["report.ownerLine"])}</div></div>\n");

        var signed = body.ToString();
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <!doctype html>
            <html lang="{E(text.Language)}">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{E(text["report.heading"])} {E(facts.DeviceId)} {E(BoxTime.Format(facts.At, facts.TimeZone))}</title>
            <style>{Style}</style>
            </head>
            <body>

            """);
        html.Append(SignedBegin).Append('\n').Append(signed).Append(SignedEnd).Append('\n');
        html.Append(CultureInfo.InvariantCulture, $"<h2>{E(text["report.signature"])}</h2>\n");
        if (signer?.Sign(Encoding.UTF8.GetBytes(signed)) is { } signature)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<section id=\"signature\" data-signature=\"{signature.Signature}\" data-public-key=\"{signature.PublicKey}\" data-fingerprint=\"{signature.Fingerprint}\">"
                + $"<p>{E(text["report.signedBy"])} <span class=\"fingerprint\">{signature.Fingerprint}</span></p>"
                + $"<p class=\"muted fingerprint\">{signature.Signature}</p></section>\n");
        }
        else
        {
            html.Append(CultureInfo.InvariantCulture, $"<section id=\"signature\"><p class=\"muted\">{E(text["report.unsigned"])}</p></section>\n");
        }

        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void Facts(StringBuilder body, ReportFacts facts, PageText text)
    {
        body.Append("<table class=\"facts\" id=\"facts\">\n");
        Row(body, text["report.device"], facts.DeviceId, "device");
        Row(body, text["report.site"], facts.SiteId, "site");
        Row(body, text["report.version"], facts.Version, "version");
        Row(body, text["report.board"], facts.Board ?? text["report.noBoard"], "board");
        Row(body, text["report.technician"], facts.Technician, "technician");
        Row(body, text["report.time"], BoxTime.Format(facts.At, facts.TimeZone), "time");
        body.Append("</table>\n");
    }

    private static void Cameras(StringBuilder body, ReportFacts facts, PageText text)
    {
        body.Append(CultureInfo.InvariantCulture, $"<h2>{E(text["report.cameras"])}</h2>\n<section id=\"cameras\">\n");
        if (facts.Cameras.Count == 0)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"muted\">{E(text["report.noCameras"])}</p>\n");
        }

        foreach (var camera in facts.Cameras)
        {
            var zones = camera.Zones.Count > 0 ? string.Join(", ", camera.Zones) : text["report.noZones"];
            body.Append(CultureInfo.InvariantCulture,
                $"<figure data-camera=\"{E(camera.Id)}\"><h3>{E(camera.Id)} · {E(text.Named("role", camera.Role))} · "
                + $"<span class=\"{(camera.Connected ? "pass" : "fail")}\">{E(text[camera.Connected ? "cameras.connected" : "cameras.offline"])}</span></h3>"
                + $"<p>{E(camera.Detail)} · {E(text["report.zones"])}: {E(zones)}</p>");
            body.Append(camera.FrameJpeg is { Length: > 0 } jpeg
                ? $"<img alt=\"{E(camera.Id)}\" src=\"data:image/jpeg;base64,{Convert.ToBase64String(jpeg)}\"><figcaption>{E(text["report.frameCaption"])}</figcaption>"
                : $"<p class=\"fail\">{E(text["report.noFrame"])}</p>");
            Detections(body, camera, text);
            body.Append("</figure>\n");
        }

        body.Append("</section>\n");
    }

    private static void Detections(StringBuilder body, ReportCamera camera, PageText text)
    {
        if (camera.Detections.Count == 0)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"muted\">{E(text["report.noDetections"])}</p>");
            return;
        }

        body.Append(CultureInfo.InvariantCulture,
            $"<table class=\"detections\"><tr><th>{E(text["report.label"])}</th><th>{E(text["report.score"])}</th><th>{E(text["report.box"])}</th></tr>");
        foreach (var detection in camera.Detections)
        {
            var box = detection.Box;
            body.Append(CultureInfo.InvariantCulture,
                $"<tr data-detection=\"{E(detection.Label)}\"><td>{E(detection.Label)}</td><td>{detection.Score:0.00}</td><td>{box.X1:0},{box.Y1:0} – {box.X2:0},{box.Y2:0}</td></tr>");
        }

        body.Append("</table>");
    }

    private static void Doctor(StringBuilder body, DoctorReport doctor, PageText text)
    {
        body.Append(CultureInfo.InvariantCulture,
            $"<h2>{E(text["report.doctor"])}</h2>\n<table id=\"doctor\"><tr><th>{E(text["doctor.check"])}</th><th>{E(text["doctor.result"])}</th><th>{E(text["doctor.detail"])}</th><th>{E(text["doctor.hint"])}</th></tr>\n");
        foreach (var result in doctor.Results)
        {
            var status = result.Status.ToString().ToLowerInvariant();
            body.Append(CultureInfo.InvariantCulture,
                $"<tr data-check=\"{E(result.Check)}\"><td>{E(result.Check)}</td><td class=\"{status}\">{E(text[$"doctor.status.{status}"])}</td><td>{E(result.Detail)}</td><td>{E(result.Hint ?? string.Empty)}</td></tr>\n");
        }

        body.Append("</table>\n");
    }

    private static void Signals(StringBuilder body, ReportFacts facts, PageText text)
    {
        body.Append(CultureInfo.InvariantCulture, $"<h2>{E(text["report.signals"])}</h2>\n<section id=\"signals\">\n");
        if (facts.SignalCheck is not { } check)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"muted\">{E(text["report.noSignals"])}</p>\n</section>\n");
            return;
        }

        var end = check.FinishedAt is { } finished ? BoxTime.Format(finished, facts.TimeZone) : "…";
        body.Append(CultureInfo.InvariantCulture, $"<p>{E(text["report.signalsWindow", ("start", BoxTime.Format(check.StartedAt, facts.TimeZone)), ("end", end)])}</p>\n");
        body.Append(CultureInfo.InvariantCulture,
            $"<table><tr><th>{E(text["signal.input"])}</th><th>{E(text["signal.result"])}</th><th>{E(text["signal.seenAt"])}</th><th>{E(text["report.restoredAt"])}</th></tr>\n");
        foreach (var input in check.Inputs)
        {
            var seen = input.SeenAt is not null;
            body.Append(CultureInfo.InvariantCulture,
                $"<tr data-signal=\"{E(input.Input)}\" data-seen=\"{(seen ? "true" : "false")}\"><td>{E(text.Named("input", input.Input))}</td>"
                + $"<td class=\"{(seen ? "pass" : "fail")}\">{E(text[seen ? "signal.seen" : "signal.notSeen"])}</td>"
                + $"<td>{E(input.SeenAt is { } at ? BoxTime.Format(at, facts.TimeZone) : string.Empty)}</td>"
                + $"<td>{E(input.RestoredAt is { } back ? BoxTime.Format(back, facts.TimeZone) : string.Empty)}</td></tr>\n");
        }

        body.Append("</table>\n</section>\n");
    }

    private static void Uplink(StringBuilder body, ReportFacts facts, PageText text)
    {
        body.Append(CultureInfo.InvariantCulture, $"<h2>{E(text["report.uplink"])}</h2>\n");
        if (facts.Uplink is not { } uplink)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"muted\" id=\"uplink\">{E(text["report.noUplink"])}</p>\n");
            return;
        }

        body.Append("<table class=\"facts\" id=\"uplink\">\n");
        var state = uplink.Connected switch
        {
            true => text["overview.connected"],
            false => text["overview.offline"],
            null => uplink.Detail ?? "–",
        };
        Row(body, text["report.uplinkState"], uplink.Connected is null || uplink.Detail is null ? state : $"{state} · {uplink.Detail}", "uplink-state");
        Row(body, text["report.broker"], uplink.Broker, "broker");
        Row(body, text["report.backlog"], uplink.Backlog.ToString(CultureInfo.InvariantCulture), "backlog");
        Row(body, text["report.oldest"], uplink.OldestAgeSeconds is { } age ? TimeSpan.FromSeconds(Math.Round(age)).ToString("c", CultureInfo.InvariantCulture) : "–", "oldest");
        body.Append("</table>\n");
    }

    private static void Row(StringBuilder body, string label, string value, string id) =>
        body.Append(CultureInfo.InvariantCulture, $"<tr data-fact=\"{id}\"><th>{E(label)}</th><td>{E(value)}</td></tr>\n");

    private static string E(string value) => HtmlEncode(value);
}
