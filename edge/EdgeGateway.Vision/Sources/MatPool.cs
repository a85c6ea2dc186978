using System.Collections.Concurrent;
using OpenCvSharp;

namespace EdgeGateway.Vision.Sources;

/// <summary>Frame buffers handed between a camera's reader and worker, so steady state allocates no frames.</summary>
internal sealed class MatPool : IDisposable
{
    private readonly ConcurrentBag<Mat> _free = [];

    public Mat Rent() => _free.TryTake(out var mat) ? mat : new Mat();

    public void Return(Mat mat) => _free.Add(mat);

    public void Dispose()
    {
        while (_free.TryTake(out var mat))
        {
            mat.Dispose();
        }
    }
}
