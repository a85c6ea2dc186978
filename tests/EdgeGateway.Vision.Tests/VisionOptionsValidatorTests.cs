using EdgeGateway.Core.Alerts;
using EdgeGateway.Vision.Configuration;
using EdgeGateway.Vision.Rules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Vision.Tests;

[Trait("Category", "Unit")]
public sealed class VisionOptionsValidatorTests
{
    [Fact]
    public void Each_problem_is_one_line_naming_key_value_and_what_was_expected()
    {
        var options = new VisionOptions
        {
            Cameras =
            [
                new CameraOptions { Id = "k1", Url = "rtsp://cam/1", Role = "kitchen" },
                new CameraOptions
                {
                    Id = "k1",
                    Url = "ftp://cam/2",
                    Role = "lobby",
                    AnalysisFps = 0,
                    Rules = [new RuleOptions { Kind = "no_mask", Labels = [], Zones = ["door"], ActiveHours = "late" }],
                },
            ],
        };

        var problems = VisionOptionsValidator.Problems(options).ToList();

        Assert.Equal(
        [
            "Cameras:1:Id = \'k1\': expected an id no other camera uses",
            "Cameras:1:Url = \'ftp://cam/2\': expected rtsp://…, http(s)://… (MJPEG), a video file path or file://…, or /dev/videoN",
            "Cameras:1:Role = \'lobby\': expected kitchen or car",
            "Cameras:1:AnalysisFps = \'0\': expected more than 0 and at most 30",
            "Cameras:1:Rules:0:Labels = \'\': expected one or more model labels, e.g. [\"cat\",\"dog\"]",
            "Cameras:1:Rules:0:Zones = \'door\': expected a zone of this camera (none defined)",
            "Cameras:1:Rules:0:ActiveHours = \'late\': expected HH:mm-HH:mm, e.g. 22:00-06:00",
        ], problems);
    }

    [Fact]
    public void Bad_configuration_fails_when_the_pipeline_is_resolved()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cameras:0:Id"] = "car 1",
            ["Cameras:0:Url"] = "/videos/a.mp4",
            ["Cameras:0:Role"] = "car",
            ["Cameras:0:Zones:0:Name"] = "floor",
            ["Cameras:0:Zones:0:Points:0:0"] = "0",
            ["Cameras:0:Zones:0:Points:0:1"] = "2",
        }).Build();
        using var services = Services(configuration);

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<VisionOptions>>().Value);

        Assert.Equal(
        [
            "Cameras:0:Id = \'car 1\': expected letters, digits, '.', '_' or '-' (1-64 characters)",
            "Cameras:0:Zones:0:Points = \'[0,2]\': expected at least 3 points [x,y] with x and y in 0..1 (fractions of the frame)",
        ], error.Failures);
    }

    [Fact]
    public void A_good_configuration_binds_zones_and_rules()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cameras:0:Id"] = "kitchen-1",
            ["Cameras:0:Url"] = "rtsp://user:pw@10.0.0.5/stream1",
            ["Cameras:0:Zones:0:Name"] = "prep",
            ["Cameras:0:Zones:0:Points:0:0"] = "0",
            ["Cameras:0:Zones:0:Points:0:1"] = "0",
            ["Cameras:0:Zones:0:Points:1:0"] = "1",
            ["Cameras:0:Zones:0:Points:1:1"] = "0",
            ["Cameras:0:Zones:0:Points:2:0"] = "1",
            ["Cameras:0:Zones:0:Points:2:1"] = "1",
            ["Cameras:0:Rules:0:Kind"] = "animal_in_kitchen",
            ["Cameras:0:Rules:0:Labels:0"] = "cat",
            ["Cameras:0:Rules:0:Zones:0"] = "prep",
            ["Vision:TimeZone"] = "Asia/Shanghai",
        }).Build();
        using var services = Services(configuration);

        var options = services.GetRequiredService<IOptions<VisionOptions>>().Value;

        var camera = Assert.Single(options.Cameras);
        Assert.Equal(3, camera.Zones[0].Points.Count);
        Assert.True(camera.Zones[0].Contains(0.9, 0.5));
        Assert.False(camera.Zones[0].Contains(0.1, 0.5));
        Assert.Equal(["cat"], camera.Rules[0].Labels);
        Assert.Equal("Asia/Shanghai", options.Vision.ResolveTimeZone().Id);
    }

    private static ServiceProvider Services(IConfiguration configuration) => new ServiceCollection()
        .AddLogging()
        .AddSingleton<IAlertSink>(new RecordingAlertSink(TimeProvider.System))
        .AddEdgeVision(configuration)
        .BuildServiceProvider();
}
