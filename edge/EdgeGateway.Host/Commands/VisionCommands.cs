using System.CommandLine;
using EdgeGateway.Core.Vision;
using EdgeGateway.Host.Configuration;
using EdgeGateway.Host.Setup;
using EdgeGateway.Vision.Benchmarks;
using EdgeGateway.Vision.Detectors;
using EdgeGateway.Vision.Models;
using EdgeGateway.Vision.Native;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using EdgeGateway.Configuration;

namespace EdgeGateway.Host.Commands;

/// <summary>The vision verbs of edgegw: detect, models fetch/list, bench vision.</summary>
internal static class VisionCommands
{
    public static void Register(RootCommand root, Command bench)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(bench);
        root.Subcommands.Add(DetectCommand());
        root.Subcommands.Add(ModelsCommand());
        bench.Subcommands.Add(BenchCommand());
    }

    internal static Option<string> ModelOption(string description) => new("--model")
    {
        Description = description,
        Required = true,
    };

    internal static Option<string?> LayoutOption() => new("--layout")
    {
        Description = $"Output layout of a bare .onnx: {string.Join("|", DetectorLayouts.All)}",
    };

    internal static Option<string?> LabelsOption() => new("--labels")
    {
        Description = "Labels file (one per line, class order) for a bare .onnx",
    };

    internal static Option<string?> ModelsDirOption() => new("--models-dir")
    {
        Description = $"Model weights cache ({ConfigKeys.ModelsDir}; default {{Storage:DataDir}}/models, as the service uses)",
    };

    /// <summary>The options that say where the model store is: the gateway config and <c>--models-dir</c>.</summary>
    internal sealed class ModelStoreFlags
    {
        public Option<string> Config { get; } = GatewayConfigLoader.ConfigOption("The gateway config file; its Models and Storage sections say where the weights are");

        public Option<string?> ModelsDir { get; } = ModelsDirOption();

        public void AddTo(Command command)
        {
            command.Options.Add(Config);
            command.Options.Add(ModelsDir);
        }

        /// <summary>The catalog these verbs use: the service's own store (file, EDGEGW_*, then --models-dir when given).</summary>
        public ModelCatalog Catalog(ParseResult parseResult)
        {
            ArgumentNullException.ThrowIfNull(parseResult);
            var loaded = GatewayConfigLoader.Load(parseResult, Config, ConfigFileUse.OptionalUnlessGiven, new ConfigFlags().Map(ModelsDir, ConfigKeys.ModelsDir));
            return loaded.Problem is { } problem
                ? throw new ModelException(problem)
                : new ModelCatalog(Options.Create(ModelStoreOptions.From(loaded.Configuration)));
        }
    }

    internal static Option<int> ThreadsOption() => new("--threads")
    {
        Description = "ONNX Runtime intra-op threads",
        DefaultValueFactory = _ => 2,
    };

    private static Command DetectCommand()
    {
        var choice = new DetectorOptions("Model name, manifest (model.json), folder holding one, or a bare .onnx with --layout and --labels");
        var score = new Option<float?>("--score") { Description = "Minimum score (default: the manifest's threshold)" };
        var images = new Argument<string[]>("image") { Description = "Image files", Arity = ArgumentArity.OneOrMore };
        var command = new Command("detect", "Run a detector on images; prints one JSON line per image, boxes in source pixels");
        choice.AddTo(command);
        command.Options.Add(score);
        command.Arguments.Add(images);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            ObjectDetector detector;
            try
            {
                detector = await choice.CreateAsync(parseResult, cancellationToken);
            }
            catch (ModelException e)
            {
                await Console.Error.WriteLineAsync($"edgegw detect: {e.Message}");
                return 2;
            }

            using (detector)
            {
                var exit = 0;
                var detections = new List<Detection>();
                foreach (var image in parseResult.GetValue(images)!)
                {
                    using var frame = File.Exists(image) ? Cv2.ImRead(image, ImreadModes.Color) : new Mat();
                    if (frame.Empty())
                    {
                        await Console.Error.WriteLineAsync($"edgegw detect: image {image}: missing or not a readable image");
                        exit = 1;
                        continue;
                    }

                    detector.Detect(frame, detections, parseResult.GetValue(score));
                    Console.WriteLine(DetectionJson.Line(image, detections));
                }

                return exit;
            }
        });
        return command;
    }

    private static Command BenchCommand()
    {
        var choice = new DetectorOptions("Model name, manifest, model folder, or a bare .onnx with --layout and --labels");
        var clip = new Option<string>("--clip") { Description = "Video file whose frames are used", Required = true };
        var seconds = new Option<int>("--seconds") { Description = "Seconds per measurement", DefaultValueFactory = _ => 10 };
        var command = new Command("vision", "Model-only vs full-pipeline fps, preprocess time, allocations per frame, peak RSS; one JSON line");
        choice.AddTo(command);
        command.Options.Add(clip);
        command.Options.Add(seconds);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var clipPath = parseResult.GetValue(clip)!;
            if (!File.Exists(clipPath))
            {
                await Console.Error.WriteLineAsync($"edgegw bench vision: clip {clipPath} not found");
                return 2;
            }

            try
            {
                using var detector = await choice.CreateAsync(parseResult, cancellationToken);
                var result = VisionBenchmark.Run(detector, clipPath, TimeSpan.FromSeconds(Math.Max(1, parseResult.GetValue(seconds))), parseResult.GetValue(choice.Threads));
                Console.WriteLine(result.ToJsonLine());
                return 0;
            }
            catch (ModelException e)
            {
                await Console.Error.WriteLineAsync($"edgegw bench vision: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static Command ModelsCommand()
    {
        var command = new Command("models", "Model manifests and weights");
        var name = new Option<string?>("--model") { Description = "Model name (a folder under the manifest folder)" };
        var all = new Option<bool>("--all") { Description = "Fetch every known model" };
        var store = new ModelStoreFlags();
        var fetch = new Command("fetch", "Copy (from the shared folder) or download the weights into the cache and verify their sha256");
        fetch.Options.Add(name);
        fetch.Options.Add(all);
        store.AddTo(fetch);
        fetch.SetAction(async (parseResult, cancellationToken) =>
        {
            ModelCatalog catalog;
            try
            {
                catalog = store.Catalog(parseResult);
            }
            catch (ModelException e)
            {
                await Console.Error.WriteLineAsync($"edgegw models fetch: {e.Message}");
                return 2;
            }

            var names = parseResult.GetValue(all)
                ? catalog.List().Select(m => m.Name).ToArray()
                : parseResult.GetValue(name) is { Length: > 0 } one ? [one] : [];
            if (names.Length == 0)
            {
                await Console.Error.WriteLineAsync("edgegw models fetch: give --model <name> or --all");
                return 2;
            }

            var failed = 0;
            foreach (var model in names)
            {
                try
                {
                    var resolved = await catalog.EnsureFetchedAsync(model, cancellationToken: cancellationToken);
                    Console.WriteLine($"{resolved.Name}: {resolved.WeightsPath} sha256 ok");
                }
                catch (ModelException e)
                {
                    await Console.Error.WriteLineAsync($"edgegw models fetch: {e.Message}");
                    failed++;
                }
            }

            return failed == 0 ? 0 : 1;
        });
        var list = new Command("list", "List known models and whether their weights are fetched");
        store.AddTo(list);
        list.SetAction(parseResult =>
        {
            ModelCatalog catalog;
            try
            {
                catalog = store.Catalog(parseResult);
            }
            catch (ModelException e)
            {
                Console.Error.WriteLine($"edgegw models list: {e.Message}");
                return 2;
            }

            foreach (var manifest in catalog.List())
            {
                var path = catalog.CachedWeightsPath(manifest);
                Console.WriteLine($"{manifest.Name}\t{manifest.Layout}\t{(File.Exists(path) ? path : "not fetched")}");
            }

            return 0;
        });
        command.Subcommands.Add(fetch);
        command.Subcommands.Add(list);
        return command;
    }

    /// <summary>The options that pick and load a detector, shared by <c>detect</c> and <c>bench vision</c>.</summary>
    private sealed class DetectorOptions(string modelDescription)
    {
        private readonly Option<string> _model = ModelOption(modelDescription);
        private readonly Option<string?> _layout = LayoutOption();
        private readonly Option<string?> _labels = LabelsOption();
        private readonly ModelStoreFlags _store = new();

        public Option<int> Threads { get; } = ThreadsOption();

        public void AddTo(Command command)
        {
            command.Options.Add(_model);
            command.Options.Add(_layout);
            command.Options.Add(_labels);
            command.Options.Add(Threads);
            _store.AddTo(command);
        }

        /// <summary>Resolves (fetching and verifying if needed) and loads the model; a bad model is a <see cref="ModelException"/>.</summary>
        public async Task<ObjectDetector> CreateAsync(ParseResult parseResult, CancellationToken cancellationToken)
        {
            // Before any model work: a box without OpenCV's native half gets one line naming the package.
            NativeVision.EnsureAvailable();
            var resolved = await _store.Catalog(parseResult).ResolveAsync(
                parseResult.GetValue(_model)!, parseResult.GetValue(_layout), parseResult.GetValue(_labels), null, cancellationToken);
            return ObjectDetector.Create(resolved, parseResult.GetValue(Threads));
        }
    }
}
