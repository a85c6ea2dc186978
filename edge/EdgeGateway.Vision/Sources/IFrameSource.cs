using OpenCvSharp;

namespace EdgeGateway.Vision.Sources;

/// <summary>One opened camera stream or file, read frame by frame on the camera's reader thread.</summary>
internal interface IFrameSource : IDisposable
{
    int Width { get; }

    int Height { get; }

    /// <summary>The source's own frame rate, or 0 when unknown.</summary>
    double Fps { get; }

    /// <summary>Frames in a file per its index, or 0.</summary>
    long FrameCount { get; }

    /// <summary>Decodes the next frame; false at the end or on a failure (see <see cref="Failure"/>).</summary>
    bool Next();

    /// <summary>Copies the frame <see cref="Next"/> decoded into <paramref name="frame"/>.</summary>
    bool Retrieve(Mat frame);

    /// <summary>Why the last open or read failed, if the source knows.</summary>
    string? Failure { get; }

    /// <summary>Makes a blocked <see cref="Next"/> return soon (called from another thread at shutdown).</summary>
    void Interrupt();
}
