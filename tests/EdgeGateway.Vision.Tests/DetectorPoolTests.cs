using EdgeGateway.Testing;
using EdgeGateway.Vision.Pipeline;

namespace EdgeGateway.Vision.Tests;

[Trait("Category", "Integration")]
public sealed class DetectorPoolTests
{
    [Fact]
    public async Task Cameras_naming_the_same_model_differently_share_one_session()
    {
        using var pool = new DetectorPool(TestModels.Catalog);

        var byName = await pool.GetAsync(TestModels.Yolox);
        var byFolder = await pool.GetAsync(RepoPaths.Seeds("models", TestModels.Yolox));
        var other = await pool.GetAsync(TestModels.FaceMask);

        Assert.Same(byName, byFolder);
        Assert.NotSame(byName, other);
        Assert.Equal(1, byName.Runs);
    }
}
