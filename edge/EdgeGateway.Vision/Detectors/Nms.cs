using EdgeGateway.Core.Vision;

namespace EdgeGateway.Vision.Detectors;

/// <summary>A box before non-maximum suppression.</summary>
internal struct Candidate
{
    public BoxF Box;
    public float Score;
    public int ClassId;
    public float Extra;
}

/// <summary>Greedy non-maximum suppression over reusable buffers (no per-frame allocations once warm).</summary>
internal sealed class Nms
{
    private static readonly Comparison<Candidate> ByScoreDescending = static (a, b) => b.Score.CompareTo(a.Score);
    private bool[] _suppressed = new bool[256];

    public List<Candidate> Candidates { get; } = new(256);

    /// <summary>
    /// Sorts the candidates by score and calls <paramref name="keep"/> for each survivor, best first.
    /// With <paramref name="classAware"/>, a box only suppresses boxes of its own class.
    /// </summary>
    public void Run<TState>(float iouThreshold, bool classAware, TState state, Action<TState, Candidate> keep)
    {
        var candidates = Candidates;
        candidates.Sort(ByScoreDescending);
        if (_suppressed.Length < candidates.Count)
        {
            _suppressed = new bool[candidates.Count * 2];
        }

        Array.Clear(_suppressed, 0, candidates.Count);
        for (var i = 0; i < candidates.Count; i++)
        {
            if (_suppressed[i])
            {
                continue;
            }

            var kept = candidates[i];
            keep(state, kept);
            for (var j = i + 1; j < candidates.Count; j++)
            {
                if (!_suppressed[j]
                    && (!classAware || candidates[j].ClassId == kept.ClassId)
                    && kept.Box.IoU(candidates[j].Box) > iouThreshold)
                {
                    _suppressed[j] = true;
                }
            }
        }
    }
}
