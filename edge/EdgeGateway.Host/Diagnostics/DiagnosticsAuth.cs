namespace EdgeGateway.Host.Diagnostics;

internal static class DiagnosticsAuth
{
    public const string Scheme = "edgegw-technician";
    public const string SessionCookie = "edgegw.session";
    public const string CsrfCookie = "edgegw.csrf";
}
