using Microsoft.ML.OnnxRuntime;

namespace EdgeGateway.Vision.Detectors;

/// <summary>
/// A fixed-shape model's one input and one output, bound to buffers that live as long as the
/// detector, so <see cref="Run"/> allocates nothing.
/// </summary>
internal sealed class FixedTensorBinding : IDisposable
{
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly OrtValue[] _inputValues;
    private readonly OrtValue[] _outputValues;

    public FixedTensorBinding(string inputName, LetterboxTensor input, string outputName, long[] outputShape)
    {
        Input = input;
        Output = new float[outputShape.Aggregate(1L, (a, b) => a * b)];
        _inputNames = [inputName];
        _outputNames = [outputName];
        _inputValues = [input.Value];
        _outputValues = [OrtValue.CreateTensorValueFromMemory(Output, outputShape)];
    }

    public LetterboxTensor Input { get; }

    public float[] Output { get; }

    public void Run(InferenceSession session, RunOptions options) =>
        session.Run(options, _inputNames, _inputValues, _outputNames, _outputValues);

    public void Dispose()
    {
        Input.Dispose();
        _outputValues[0].Dispose();
    }
}
