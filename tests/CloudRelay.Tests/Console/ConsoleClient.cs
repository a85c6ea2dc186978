using System.Net;
using System.Text.RegularExpressions;
using CloudRelay.OperatorConsole;

namespace CloudRelay.Tests.Console;

/// <summary>A browser-like HTTP client for the console: keeps cookies, sees redirects, and reads the CSRF token off each page.</summary>
public sealed partial class ConsoleClient : IDisposable
{
    private readonly HttpClient _http;

    public ConsoleClient(RelayTestHost relay, string? acceptLanguage = null)
    {
        ArgumentNullException.ThrowIfNull(relay);
        Cookies = new CookieContainer();
        _http = new HttpClient(relay.Handler(Cookies)) { BaseAddress = new Uri(relay.HttpUrl) };
        if (acceptLanguage is not null)
        {
            _http.DefaultRequestHeaders.AcceptLanguage.ParseAdd(acceptLanguage);
        }
    }

    public CookieContainer Cookies { get; }

    /// <summary>The CSRF token of the last page read.</summary>
    public string? Csrf { get; private set; }

    public async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> GetAsync(string path)
    {
        var response = await _http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Remember(body);
        return (response.StatusCode, body, response);
    }

    /// <summary>Posts a form; the page's CSRF token goes with it unless <paramref name="csrf"/> says otherwise ("" sends none).</summary>
    public async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> PostAsync(string path, IDictionary<string, string>? fields = null,
        string? csrf = null, Action<HttpRequestMessage>? configure = null)
    {
        var form = new Dictionary<string, string>(fields ?? new Dictionary<string, string>());
        if ((csrf ?? Csrf) is { Length: > 0 } token)
        {
            form[ConsoleSessions.CsrfField] = token;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        configure?.Invoke(request);
        return await SendAsync(request);
    }

    public async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> SendAsync(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Remember(body);
        return (response.StatusCode, body, response);
    }

    /// <summary>Sends and returns as soon as the headers arrive, for a stream such as the live feed.</summary>
    public Task<HttpResponseMessage> StreamAsync(HttpRequestMessage request) => _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

    /// <summary>Opens the login page and logs in; returns the login answer (a redirect to the cases when it worked).</summary>
    public async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> LogInAsync(string name, string password)
    {
        await GetAsync("/console/login");
        var answer = await PostAsync("/console/login", new Dictionary<string, string> { ["name"] = name, ["password"] = password });
        if (answer.Status == HttpStatusCode.Redirect)
        {
            await GetAsync("/console/cases");
        }

        return answer;
    }

    public static string? ErrorOf(string body) => ErrorPattern().Match(body) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups[1].Value) : null;

    public void Dispose() => _http.Dispose();

    private void Remember(string body)
    {
        if (CsrfPattern().Match(body) is { Success: true } match)
        {
            Csrf = match.Groups[1].Value;
        }
    }

    [GeneratedRegex("name=\"_csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfPattern();

    [GeneratedRegex("class=\"error\" role=\"alert\">([^<]*)<")]
    private static partial Regex ErrorPattern();
}
