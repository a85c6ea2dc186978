using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Vision;
using EdgeGateway.Vision.Configuration;

namespace EdgeGateway.Vision.Rules;

/// <summary>
/// One rule on one camera, fed every analysed frame. Sightings are matched to objects by box
/// overlap; an object raises once it has <see cref="RuleOptions.Hits"/> sightings within
/// <see cref="RuleOptions.WindowSeconds"/>, and clears once it has been absent for
/// <see cref="RuleOptions.ClearSeconds"/>. Single frames never raise anything (unless Hits is 1).
/// Not thread-safe: one camera worker feeds it.
/// </summary>
public sealed class RuleEvaluator
{
    private readonly string _cameraId;
    private readonly RuleOptions _rule;
    private readonly HashSet<string> _labels;
    private readonly IReadOnlyList<ZoneOptions> _zones;
    private readonly ActiveHours? _activeHours;
    private readonly TimeZoneInfo _timeZone;
    private readonly float _minScore;
    private readonly TimeSpan _window;
    private readonly TimeSpan _clear;
    private readonly TimeSpan _cooldown;
    private readonly List<TrackedObject> _objects = [];
    private readonly List<(BoxF Box, DateTimeOffset Until)> _coolingDown = [];
    private readonly List<(Detection Detection, string? Zone)> _sightings = [];
    private int _nextObjectId = 1;

    public RuleEvaluator(string cameraId, RuleOptions rule, IReadOnlyList<ZoneOptions> cameraZones, float defaultMinScore, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(cameraZones);
        _cameraId = cameraId;
        _rule = rule;
        _labels = new HashSet<string>(rule.Labels, StringComparer.Ordinal);
        _zones = [.. cameraZones.Where(z => rule.Zones.Contains(z.Name, StringComparer.Ordinal))];
        _activeHours = ActiveHours.TryParse(rule.ActiveHours, out var hours) ? hours : null;
        _timeZone = timeZone;
        _minScore = rule.MinScore ?? defaultMinScore;
        _window = TimeSpan.FromSeconds(rule.WindowSeconds);
        _clear = TimeSpan.FromSeconds(rule.ClearSeconds);
        _cooldown = TimeSpan.FromSeconds(rule.CooldownSeconds);
    }

    public string Kind => _rule.Kind;

    /// <summary>Objects currently raised.</summary>
    public int ActiveCount => _objects.Count(o => o.Raised);

    /// <summary>
    /// Feeds the detections of one analysed frame (<paramref name="frameWidth"/> x <paramref name="frameHeight"/>)
    /// and appends any raise/clear to <paramref name="events"/>.
    /// </summary>
    public void Observe(DateTimeOffset now, IReadOnlyList<Detection> detections, int frameWidth, int frameHeight, List<ViolationEvent> events)
    {
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentNullException.ThrowIfNull(events);
        CollectSightings(now, detections, frameWidth, frameHeight);
        foreach (var tracked in _objects)
        {
            tracked.MatchedThisFrame = false;
        }

        foreach (var (detection, zone) in _sightings)
        {
            var tracked = Match(detection.Box);
            if (tracked is null)
            {
                tracked = new TrackedObject(_nextObjectId++);
                _objects.Add(tracked);
            }

            if (!tracked.MatchedThisFrame)
            {
                // Detections come best first, so this is the object's best sighting in the frame.
                tracked.Latest = detection;
                tracked.Zone = zone;
                tracked.MatchedThisFrame = true;
            }

            if (tracked.Hits.Count == 0 || tracked.Hits[^1] != now)
            {
                tracked.Hits.Add(now);
            }

            tracked.LastSeen = now;
        }

        Tick(now, events);
    }

    /// <summary>Advances time without a frame (a stalled or finished camera), so violations still clear.</summary>
    public void Tick(DateTimeOffset now, List<ViolationEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        _coolingDown.RemoveAll(c => c.Until <= now);
        for (var i = _objects.Count - 1; i >= 0; i--)
        {
            var tracked = _objects[i];
            tracked.Hits.RemoveAll(t => now - t > _window);
            if (!tracked.Raised
                && tracked.Hits.Count >= _rule.Hits
                && !IsCoolingDown(tracked.Latest.Box))
            {
                tracked.Raised = true;
                events.Add(Event(AlertState.Raised, tracked));
            }
            else if (tracked.Raised && now - tracked.LastSeen >= _clear)
            {
                events.Add(Event(AlertState.Cleared, tracked));
                _coolingDown.Add((tracked.Latest.Box, now + _cooldown));
                _objects.RemoveAt(i);
            }
            else if (!tracked.Raised && tracked.Hits.Count == 0)
            {
                _objects.RemoveAt(i);
            }
        }
    }

    /// <summary>
    /// Hands this rule's raised violations (and its cool-downs) to the rule of the same kind in the worker that
    /// replaces this one on a configuration change, and forgets them here: the successor neither raises them again
    /// nor misses their clear.
    /// </summary>
    public RuleHandover HandOver()
    {
        var handover = new RuleHandover(
            Kind,
            [.. _objects.Where(o => o.Raised).Select(o => new RuleHandover.Raised(o.Id, o.Latest, o.Zone, o.LastSeen))],
            [.. _coolingDown]);
        _objects.Clear();
        _coolingDown.Clear();
        return handover;
    }

    /// <summary>
    /// Continues the violations a previous rule of this kind raised: each stays raised (matched by box overlap to
    /// new sightings) and clears once it has been absent for this rule's <see cref="RuleOptions.ClearSeconds"/>.
    /// </summary>
    public void TakeOver(RuleHandover handover)
    {
        ArgumentNullException.ThrowIfNull(handover);
        foreach (var raised in handover.Violations)
        {
            var tracked = new TrackedObject(raised.ObjectId) { Latest = raised.Latest, Zone = raised.Zone, LastSeen = raised.LastSeen, Raised = true };
            _objects.Add(tracked);
            _nextObjectId = Math.Max(_nextObjectId, raised.ObjectId + 1);
        }

        _coolingDown.AddRange(handover.CoolingDown);
    }

    /// <summary>Clears every raised violation at once (its rule or camera is gone), appending one clear each to <paramref name="events"/>.</summary>
    public void ClearAll(List<ViolationEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var tracked in _objects.Where(o => o.Raised))
        {
            events.Add(Event(AlertState.Cleared, tracked));
        }

        _objects.Clear();
        _coolingDown.Clear();
    }

    private void CollectSightings(DateTimeOffset now, IReadOnlyList<Detection> detections, int frameWidth, int frameHeight)
    {
        _sightings.Clear();
        if (_activeHours is { } hours && !hours.Contains(TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, _timeZone).DateTime)))
        {
            return;
        }

        foreach (var detection in detections)
        {
            if (detection.Score < _minScore || !_labels.Contains(detection.Label))
            {
                continue;
            }

            string? zone = null;
            if (_zones.Count > 0)
            {
                var x = detection.Box.CenterX / Math.Max(1, frameWidth);
                var y = detection.Box.CenterY / Math.Max(1, frameHeight);
                zone = _zones.FirstOrDefault(z => z.Contains(x, y))?.Name;
                if (zone is null)
                {
                    continue;
                }
            }

            _sightings.Add((detection, zone));
        }
    }

    private TrackedObject? Match(BoxF box)
    {
        if (!_rule.PerObject)
        {
            return _objects.Count > 0 ? _objects[0] : null;
        }

        TrackedObject? best = null;
        var bestIoU = (float)_rule.MatchIoU;
        foreach (var tracked in _objects)
        {
            var iou = tracked.Latest.Box.IoU(box);
            if (iou >= bestIoU)
            {
                best = tracked;
                bestIoU = iou;
            }
        }

        return best;
    }

    private bool IsCoolingDown(BoxF box) =>
        _coolingDown.Exists(c => !_rule.PerObject || c.Box.IoU(box) >= _rule.MatchIoU);

    private ViolationEvent Event(AlertState state, TrackedObject tracked) =>
        new(_cameraId, _rule.Kind, _rule.Severity, state, tracked.Latest, tracked.Id, tracked.Zone);

    private sealed class TrackedObject(int id)
    {
        public int Id { get; } = id;

        public List<DateTimeOffset> Hits { get; } = [];

        public Detection Latest { get; set; }

        public string? Zone { get; set; }

        public bool Raised { get; set; }

        public bool MatchedThisFrame { get; set; }

        public DateTimeOffset LastSeen { get; set; }
    }
}
