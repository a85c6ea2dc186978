using System.Globalization;
using Npgsql;

namespace CloudRelay.Settings;

/// <summary>
/// Turns <c>postgres://user:password@host:port/database?sslmode=require</c> into an Npgsql connection string.
/// A <c>host</c> query parameter (a socket folder) overrides the host part, as libpq does.
/// </summary>
public static class PostgresUrl
{
    public static bool IsPostgres(string? db) =>
        db is not null && (db.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
                           || db.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase));

    public static string ToConnectionString(string url)
    {
        // libpq allows an empty host (a socket given by ?host=); Uri does not, so give it a placeholder.
        var normalized = (url ?? string.Empty).Replace("@/", "@localhost/", StringComparison.Ordinal)
            .Replace(":///", "://localhost/", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || !IsPostgres(url))
        {
            throw new FormatException($"database url '{Redact(url)}' is invalid; expected postgres://user:password@host:port/database");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Length > 0 ? uri.Host : "localhost",
            Port = uri.Port > 0 ? uri.Port : 5432,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } database ? database : "postgres",
        };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : string.Empty;
            if (key.Equals("host", StringComparison.OrdinalIgnoreCase))
            {
                builder.Host = value;
            }
            else if (key.Equals("sslmode", StringComparison.OrdinalIgnoreCase))
            {
                builder.SslMode = Enum.Parse<SslMode>(value, ignoreCase: true);
            }
            else
            {
                builder[key] = value;
            }
        }

        builder.MaxPoolSize = Math.Max(builder.MaxPoolSize, 20);
        return builder.ConnectionString;
    }

    /// <summary>The url with its password replaced, for logs and error lines.</summary>
    public static string Redact(string? url)
    {
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || !uri.UserInfo.Contains(':', StringComparison.Ordinal))
        {
            return url ?? string.Empty;
        }

        var user = uri.UserInfo.Split(':', 2)[0];
        return url.Replace(uri.UserInfo, string.Create(CultureInfo.InvariantCulture, $"{user}:***"), StringComparison.Ordinal);
    }
}
