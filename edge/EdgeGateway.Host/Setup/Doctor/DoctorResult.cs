using System.Text.Json.Serialization;

namespace EdgeGateway.Host.Setup.Doctor;

[JsonConverter(typeof(JsonStringEnumConverter<DoctorStatus>))]
public enum DoctorStatus
{
    Pass = 0,
    Warn = 1,
    Fail = 2,
}

/// <summary>One line of the doctor's table: what was checked, how it went, and what to do about it.</summary>
public sealed record DoctorResult(string Check, DoctorStatus Status, string Detail, string? Hint = null)
{
    public static DoctorResult Pass(string check, string detail) => new(check, DoctorStatus.Pass, detail);

    public static DoctorResult Warn(string check, string detail, string hint) => new(check, DoctorStatus.Warn, detail, hint);

    public static DoctorResult Fail(string check, string detail, string hint) => new(check, DoctorStatus.Fail, detail, hint);
}

/// <summary>A whole doctor run.</summary>
public sealed record DoctorReport(DateTimeOffset RanAt, double Seconds, IReadOnlyList<DoctorResult> Results)
{
    public bool Failed => Results.Any(r => r.Status == DoctorStatus.Fail);

    public int Count(DoctorStatus status) => Results.Count(r => r.Status == status);
}
