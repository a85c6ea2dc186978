using EdgeGateway.Core.Health;
using EdgeGateway.Vision.Configuration;
using EdgeGateway.Vision.Models;
using EdgeGateway.Vision.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Vision;

public static class VisionServiceCollectionExtensions
{
    /// <summary>
    /// Registers the vision pipeline: <c>Cameras</c>, <c>Vision</c> and <c>Models</c> options (validated
    /// at start), the model catalog, one detector per model, the hosted pipeline and <see cref="ICameraMonitor"/>.
    /// Needs an <see cref="Core.Alerts.IAlertSink"/> registered elsewhere. The pipeline's start throws
    /// <see cref="NativeVisionException"/> (one line naming the package to install) when OpenCV's
    /// native library does not load, so the service refuses to start instead of losing every camera;
    /// registering and validating (provision, doctor) work without it.
    /// </summary>
    public static IServiceCollection AddEdgeVision(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<VisionOptions>().Bind(configuration).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VisionOptions>, VisionOptionsValidator>());
        services.AddOptions<ModelStoreOptions>().Bind(configuration.GetSection(ModelStoreOptions.SectionName)).PostConfigure(o => o.ApplyDefaults(configuration));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ModelCatalog>();
        services.TryAddSingleton<DetectorPool>();
        services.TryAddSingleton<VisionPipeline>();
        services.TryAddSingleton<ICameraMonitor>(sp => sp.GetRequiredService<VisionPipeline>());
        services.AddHostedService(sp => sp.GetRequiredService<VisionPipeline>());
        return services;
    }
}
