using System.Net.Mime;
using System.Text;
using EdgeGateway.Host.Diagnostics.Commissioning;
using EdgeGateway.Host.Diagnostics.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Diagnostics;

/// <summary>The page's words (<c>/api/i18n</c>), the guided signal check and the commissioning report.</summary>
internal static class CommissioningEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        // The login page needs its words before anyone logs in; they are the same for everyone.
        api.MapGet("/i18n", Text).AllowAnonymous();
        api.MapGet("/signal-check", (SignalCheckRecorder recorder) => recorder.Current is { } check ? Results.Ok(check) : Results.NoContent());
        api.MapPost("/signal-check/start", StartSignalCheck).AddEndpointFilter(DiagnosticsEndpoints.RequireCsrfToken);
        api.MapPost("/signal-check/stop", StopSignalCheck).AddEndpointFilter(DiagnosticsEndpoints.RequireCsrfToken);
        api.MapGet("/report", ReportAsync);
    }

    private static Ok<TextView> Text(string? lang, HttpContext context)
    {
        var language = PageText.Choose(lang, context.Request.Headers.AcceptLanguage.ToString());
        context.Response.Headers.Vary = "Accept-Language";
        return TypedResults.Ok(new TextView(language, PageText.Languages, PageText.For(language).Strings));
    }

    private static Results<Ok<SignalCheck>, ProblemHttpResult> StartSignalCheck(SignalCheckRecorder recorder, ILoggerFactory loggers)
    {
        if (recorder.Start() is not { } check)
        {
            return DiagnosticsEndpoints.Coded(StatusCodes.Status404NotFound, "this box has no elevator monitor", "no_elevator");
        }

        var logger = loggers.CreateLogger(DiagnosticsEndpoints.LoggerCategory);
        Log.SignalCheckStarted(logger, check.Inputs.Count);
        return TypedResults.Ok(check);
    }

    private static Results<Ok<SignalCheck>, ProblemHttpResult> StopSignalCheck(SignalCheckRecorder recorder, ILoggerFactory loggers)
    {
        if (recorder.Stop() is not { } check)
        {
            return DiagnosticsEndpoints.Coded(StatusCodes.Status404NotFound, "no signal check was started", "no_signal_check");
        }

        var (logger, seen, inputs) = (loggers.CreateLogger(DiagnosticsEndpoints.LoggerCategory), check.Seen, check.Inputs.Count);
        Log.SignalCheckFinished(logger, seen, inputs);
        return TypedResults.Ok(check);
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> ReportAsync(
        string? technician,
        string? lang,
        HttpContext context,
        IConfiguration configuration,
        GatewayParts parts,
        PageDoctor doctor,
        SignalCheckRecorder signals,
        IOptions<DiagnosticsOptions> options,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        if (ReportCollector.TechnicianProblem(technician) is { } problem)
        {
            return DiagnosticsEndpoints.Coded(StatusCodes.Status400BadRequest, $"technician '{technician}' is invalid; {problem}", "bad_technician");
        }

        var text = PageText.For(PageText.Choose(lang, context.Request.Headers.AcceptLanguage.ToString()));
        var report = await doctor.RunAsync(context.RequestAborted);
        var facts = ReportCollector.Collect(configuration, parts, report, signals.Current, parts.Uplink?.GetHealth(), offlineUplink: null,
            technician!.Trim(), text, time.GetUtcNow(), options.Value.BoxTimeZone);
        var signer = ReportSigner.Find(configuration["Uplink:ClientKeyFile"], configuration[DiagnosticsOptions.ConfigPathKey]);
        var html = CommissioningReport.Render(facts, text, signer);
        var (logger, signed) = (loggers.CreateLogger(DiagnosticsEndpoints.LoggerCategory), signer is not null);
        Log.ReportMade(logger, facts.Technician, signed);
        return TypedResults.File(Encoding.UTF8.GetBytes(html), MediaTypeNames.Text.Html + "; charset=utf-8", ReportCollector.FileName(facts));
    }
}

/// <summary>The page's words in one language, and the languages it can switch to.</summary>
public sealed record TextView(string Language, IReadOnlyList<string> Languages, IReadOnlyDictionary<string, string> Strings);
