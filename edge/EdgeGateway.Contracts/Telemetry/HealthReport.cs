using System.Formats.Cbor;

namespace EdgeGateway.Contracts.Telemetry;

/// <summary>One camera in a health report: what it reads and analyses, and why it is down when it is.</summary>
/// <param name="Id">The camera's id.</param>
/// <param name="Up">Whether frames arrive.</param>
/// <param name="ReadFps">Frames read per second over the last interval.</param>
/// <param name="AnalysedFps">Frames analysed per second over the last interval.</param>
/// <param name="TargetFps">The camera's <c>AnalysisFps</c>.</param>
/// <param name="FramesRead">Frames read since the service started.</param>
/// <param name="FramesAnalysed">Frames analysed since the service started.</param>
/// <param name="FramesDropped">Frames dropped (analysis too slow) since the service started.</param>
/// <param name="LagMs">How old the last analysed frame was when its analysis ended.</param>
/// <param name="InferenceMs">The detector's mean time per frame over the last interval.</param>
/// <param name="Error">The camera's last error while it is down (no secrets), else null.</param>
public sealed record CameraHealthReport(
    string Id, bool Up, double ReadFps, double AnalysedFps, double TargetFps, long FramesRead, long FramesAnalysed, long FramesDropped,
    double LagMs, double InferenceMs, string? Error = null);

/// <summary>A model the box runs: its id and the SHA-256 of its weights.</summary>
public sealed record ModelHealthReport(string Id, string Sha256);

/// <summary>
/// A box's health, published on <c>{prefix}/{site}/{device}/health</c> every <c>Fleet:HealthInterval</c> and at once on a
/// change of state; CBOR, with short keys, so a report of a box with four cameras stays well under 1 KiB. Values the
/// box cannot measure (no thermal zone, no elevator) are null.
/// </summary>
public sealed record HealthReport
{
    /// <summary>A bound on what a device can make the relay decode.</summary>
    public const int MaxBytes = 16 * 1024;

    public required long TimeMs { get; init; }
    public required long UptimeSeconds { get; init; }
    public required string Version { get; init; }
    public long? ConfigVersion { get; init; }
    public IReadOnlyList<CameraHealthReport> Cameras { get; init; } = [];

    /// <summary>Records waiting in the outbox, by class (<c>alarm</c>, <c>snapshot</c>, …).</summary>
    public IReadOnlyDictionary<string, long> OutboxDepth { get; init; } = new Dictionary<string, long>();
    public double OutboxOldestSeconds { get; init; }
    public long OutboxBytes { get; init; }
    public long DiskFreeBytes { get; init; }
    public long DiskTotalBytes { get; init; }
    public double CpuPercent { get; init; }
    public double? TemperatureC { get; init; }
    public long MemoryBytes { get; init; }
    public bool UplinkConnected { get; init; }
    public long UplinkReconnects { get; init; }
    public double? UplinkRoundTripMs { get; init; }

    /// <summary>Elevator sensor samples per second; null on a box without an elevator.</summary>
    public double? ElevatorSamplesPerSecond { get; init; }

    /// <summary>The elevator's operating mode (normal, inspection, fire, …); null on a box without an elevator.</summary>
    public string? ElevatorMode { get; init; }
    public IReadOnlyList<ModelHealthReport> Models { get; init; } = [];

    public byte[] Encode()
    {
        var writer = new CborWriter(CborConformanceMode.Canonical, convertIndefiniteLengthEncodings: true);
        writer.WriteStartMap(null);
        writer.WriteTextString("t");
        writer.WriteInt64(TimeMs);
        writer.WriteTextString("up");
        writer.WriteInt64(UptimeSeconds);
        writer.WriteTextString("v");
        writer.WriteTextString(Version);
        WriteOptional(writer, "cv", ConfigVersion);
        writer.WriteTextString("cam");
        writer.WriteStartArray(Cameras.Count);
        foreach (var camera in Cameras)
        {
            writer.WriteStartArray(11);
            writer.WriteTextString(camera.Id);
            writer.WriteBoolean(camera.Up);
            writer.WriteDouble(camera.ReadFps);
            writer.WriteDouble(camera.AnalysedFps);
            writer.WriteDouble(camera.TargetFps);
            writer.WriteInt64(camera.FramesRead);
            writer.WriteInt64(camera.FramesAnalysed);
            writer.WriteInt64(camera.FramesDropped);
            writer.WriteDouble(camera.LagMs);
            writer.WriteDouble(camera.InferenceMs);
            WriteText(writer, camera.Error);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
        writer.WriteTextString("ob");
        writer.WriteStartMap(OutboxDepth.Count);
        foreach (var (name, depth) in OutboxDepth.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.WriteTextString(name);
            writer.WriteInt64(depth);
        }

        writer.WriteEndMap();
        writer.WriteTextString("obo");
        writer.WriteDouble(OutboxOldestSeconds);
        writer.WriteTextString("obb");
        writer.WriteInt64(OutboxBytes);
        writer.WriteTextString("df");
        writer.WriteInt64(DiskFreeBytes);
        writer.WriteTextString("dt");
        writer.WriteInt64(DiskTotalBytes);
        writer.WriteTextString("cpu");
        writer.WriteDouble(CpuPercent);
        WriteOptional(writer, "tc", TemperatureC);
        writer.WriteTextString("mem");
        writer.WriteInt64(MemoryBytes);
        writer.WriteTextString("ul");
        writer.WriteBoolean(UplinkConnected);
        writer.WriteTextString("ulr");
        writer.WriteInt64(UplinkReconnects);
        WriteOptional(writer, "rtt", UplinkRoundTripMs);
        WriteOptional(writer, "esps", ElevatorSamplesPerSecond);
        if (ElevatorMode is not null)
        {
            writer.WriteTextString("em");
            writer.WriteTextString(ElevatorMode);
        }

        writer.WriteTextString("mod");
        writer.WriteStartArray(Models.Count);
        foreach (var model in Models)
        {
            writer.WriteStartArray(2);
            writer.WriteTextString(model.Id);
            writer.WriteTextString(model.Sha256);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
        writer.WriteEndMap();
        return writer.Encode();
    }

    /// <summary>Decodes a report; <paramref name="problem"/> is one line naming what is wrong. Unknown keys are skipped (a newer box).</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> payload, out HealthReport? report, out string? problem)
    {
        report = null;
        if (payload.Length > MaxBytes)
        {
            problem = $"health report of {payload.Length} bytes is refused; expected at most {MaxBytes}";
            return false;
        }

        try
        {
            var reader = new CborReader(payload, CborConformanceMode.Lax);
            long? time = null, uptime = null;
            string? version = null;
            var decoded = new HealthReport { TimeMs = 0, UptimeSeconds = 0, Version = string.Empty };
            var count = reader.ReadStartMap();
            for (var i = 0; count is null ? reader.PeekState() != CborReaderState.EndMap : i < count; i++)
            {
                var key = reader.ReadTextString();
                switch (key)
                {
                    case "t": time = reader.ReadInt64(); break;
                    case "up": uptime = reader.ReadInt64(); break;
                    case "v": version = reader.ReadTextString(); break;
                    case "cv": decoded = decoded with { ConfigVersion = ReadOptionalInt64(reader) }; break;
                    case "cam": decoded = decoded with { Cameras = ReadCameras(reader) }; break;
                    case "ob": decoded = decoded with { OutboxDepth = ReadDepths(reader) }; break;
                    case "obo": decoded = decoded with { OutboxOldestSeconds = reader.ReadDouble() }; break;
                    case "obb": decoded = decoded with { OutboxBytes = reader.ReadInt64() }; break;
                    case "df": decoded = decoded with { DiskFreeBytes = reader.ReadInt64() }; break;
                    case "dt": decoded = decoded with { DiskTotalBytes = reader.ReadInt64() }; break;
                    case "cpu": decoded = decoded with { CpuPercent = reader.ReadDouble() }; break;
                    case "tc": decoded = decoded with { TemperatureC = ReadOptionalDouble(reader) }; break;
                    case "mem": decoded = decoded with { MemoryBytes = reader.ReadInt64() }; break;
                    case "ul": decoded = decoded with { UplinkConnected = reader.ReadBoolean() }; break;
                    case "ulr": decoded = decoded with { UplinkReconnects = reader.ReadInt64() }; break;
                    case "rtt": decoded = decoded with { UplinkRoundTripMs = ReadOptionalDouble(reader) }; break;
                    case "esps": decoded = decoded with { ElevatorSamplesPerSecond = ReadOptionalDouble(reader) }; break;
                    case "em": decoded = decoded with { ElevatorMode = reader.ReadTextString() }; break;
                    case "mod": decoded = decoded with { Models = ReadModels(reader) }; break;
                    default: reader.SkipValue(); break;
                }
            }

            reader.ReadEndMap();
            if (time is null || uptime is null || version is null)
            {
                problem = "health report is refused; expected the keys t (time), up (uptime) and v (version)";
                return false;
            }

            report = decoded with { TimeMs = time.Value, UptimeSeconds = uptime.Value, Version = version };
            problem = null;
            return true;
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException or FormatException or OverflowException)
        {
            problem = $"health report is refused; it is not the expected CBOR ({ex.Message})";
            return false;
        }
    }

    private static void WriteOptional(CborWriter writer, string key, long? value)
    {
        if (value is { } v)
        {
            writer.WriteTextString(key);
            writer.WriteInt64(v);
        }
    }

    private static void WriteOptional(CborWriter writer, string key, double? value)
    {
        if (value is { } v)
        {
            writer.WriteTextString(key);
            writer.WriteDouble(v);
        }
    }

    private static void WriteText(CborWriter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteNull();
        }
        else
        {
            writer.WriteTextString(value);
        }
    }

    private static long? ReadOptionalInt64(CborReader reader)
    {
        if (reader.PeekState() == CborReaderState.Null)
        {
            reader.ReadNull();
            return null;
        }

        return reader.ReadInt64();
    }

    private static double? ReadOptionalDouble(CborReader reader)
    {
        if (reader.PeekState() == CborReaderState.Null)
        {
            reader.ReadNull();
            return null;
        }

        return reader.ReadDouble();
    }

    private static string? ReadOptionalText(CborReader reader)
    {
        if (reader.PeekState() == CborReaderState.Null)
        {
            reader.ReadNull();
            return null;
        }

        return reader.ReadTextString();
    }

    private static List<CameraHealthReport> ReadCameras(CborReader reader)
    {
        var cameras = new List<CameraHealthReport>();
        reader.ReadStartArray();
        while (reader.PeekState() != CborReaderState.EndArray)
        {
            reader.ReadStartArray();
            cameras.Add(new CameraHealthReport(
                reader.ReadTextString(), reader.ReadBoolean(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(),
                reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadDouble(), reader.ReadDouble(), ReadOptionalText(reader)));
            while (reader.PeekState() != CborReaderState.EndArray)
            {
                reader.SkipValue();
            }

            reader.ReadEndArray();
        }

        reader.ReadEndArray();
        return cameras;
    }

    private static Dictionary<string, long> ReadDepths(CborReader reader)
    {
        var depths = new Dictionary<string, long>(StringComparer.Ordinal);
        reader.ReadStartMap();
        while (reader.PeekState() != CborReaderState.EndMap)
        {
            depths[reader.ReadTextString()] = reader.ReadInt64();
        }

        reader.ReadEndMap();
        return depths;
    }

    private static List<ModelHealthReport> ReadModels(CborReader reader)
    {
        var models = new List<ModelHealthReport>();
        reader.ReadStartArray();
        while (reader.PeekState() != CborReaderState.EndArray)
        {
            reader.ReadStartArray();
            models.Add(new ModelHealthReport(reader.ReadTextString(), reader.ReadTextString()));
            reader.ReadEndArray();
        }

        reader.ReadEndArray();
        return models;
    }
}
