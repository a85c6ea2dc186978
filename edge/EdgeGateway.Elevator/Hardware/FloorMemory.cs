using System.Globalization;

namespace EdgeGateway.Elevator.Hardware;

/// <summary>
/// The last landing where the fusion re-zeroed the barometer, kept in <c>elevator-floor</c>
/// under the data directory. The barometer only measures height differences, so after a restart
/// this is where the floor count resumes. Written atomically (temp file, then rename) and only
/// when the floor changes.
/// </summary>
public sealed class FloorMemory(string dataDirectory)
{
    public const string FileName = "elevator-floor";
    private readonly string _path = Path.Combine(dataDirectory, FileName);
    private int? _saved;

    public int? Load()
    {
        try
        {
            var text = File.Exists(_path) ? File.ReadAllText(_path).Trim() : "";
            _saved = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var floor) ? floor : null;
            return _saved;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Save(int floor)
    {
        if (_saved == floor)
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            var temp = _path + ".tmp";
            File.WriteAllText(temp, floor.ToString(CultureInfo.InvariantCulture));
            File.Move(temp, _path, overwrite: true);
            _saved = floor;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Losing this only costs a floor offset after the next restart; never stop sampling for it.
        }
    }
}
