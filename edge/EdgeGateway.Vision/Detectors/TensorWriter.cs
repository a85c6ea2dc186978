using OpenCvSharp;

namespace EdgeGateway.Vision.Detectors;

/// <summary>Copies an 8-bit BGR image into planar (CHW) input tensors without allocating.</summary>
internal static class TensorWriter
{
    /// <summary>
    /// Writes <paramref name="image"/> at (<paramref name="left"/>, <paramref name="top"/>) of a
    /// <paramref name="width"/> x <paramref name="height"/> float CHW tensor, as BGR or RGB, times <paramref name="scale"/>.
    /// </summary>
    public static unsafe void WriteFloatPlanes(Mat image, float[] tensor, int width, int height, int left, int top, bool rgb, float scale)
    {
        var plane = width * height;
        var rows = Math.Min(image.Rows, height - top);
        var cols = Math.Min(image.Cols, width - left);
        fixed (float* t = tensor)
        {
            var first = rgb ? t + (2 * plane) : t;
            var third = rgb ? t : t + (2 * plane);
            var second = t + plane;
            for (var y = 0; y < rows; y++)
            {
                var source = (byte*)image.Ptr(y);
                var offset = ((top + y) * width) + left;
                float* b = first + offset, g = second + offset, r = third + offset;
                for (var x = 0; x < cols; x++)
                {
                    b[x] = source[0] * scale;
                    g[x] = source[1] * scale;
                    r[x] = source[2] * scale;
                    source += 3;
                }
            }
        }
    }

    /// <summary>Writes a whole BGR image into a uint8 CHW tensor of the same size.</summary>
    public static unsafe void WriteBytePlanes(Mat image, byte[] tensor)
    {
        var width = image.Cols;
        var height = image.Rows;
        var plane = width * height;
        fixed (byte* t = tensor)
        {
            for (var y = 0; y < height; y++)
            {
                var source = (byte*)image.Ptr(y);
                byte* b = t + (y * width), g = b + plane, r = g + plane;
                for (var x = 0; x < width; x++)
                {
                    b[x] = source[0];
                    g[x] = source[1];
                    r[x] = source[2];
                    source += 3;
                }
            }
        }
    }
}
