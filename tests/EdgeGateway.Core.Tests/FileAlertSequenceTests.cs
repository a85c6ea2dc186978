using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Publishing;

namespace EdgeGateway.Core.Tests;

[Trait("Category", "Unit")]
public sealed class FileAlertSequenceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("seq-").FullName;

    [Fact]
    public void Numbers_never_repeat_across_restarts()
    {
        var seen = new HashSet<long>();
        for (var restart = 0; restart < 3; restart++)
        {
            var sequence = new FileAlertSequence(_directory);
            for (var i = 0; i < 5_000; i++)
            {
                Assert.True(seen.Add(sequence.Take()), "a sequence number was handed out twice");
            }
        }

        Assert.Equal(15_000, seen.Count);
    }

    [Fact]
    public void Numbers_increase_within_a_run()
    {
        var sequence = new FileAlertSequence(_directory);
        var previous = sequence.Take();
        for (var i = 0; i < 10_000; i++)
        {
            var next = sequence.Take();
            Assert.True(next > previous);
            previous = next;
        }
    }

    [Fact]
    public void A_damaged_sequence_file_is_reported_with_its_path()
    {
        File.WriteAllBytes(Path.Combine(_directory, "alert-sequence"), [1, 2, 3]);

        var error = Assert.Throws<InvalidDataException>(() => new FileAlertSequence(_directory));

        Assert.Contains("alert-sequence", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
