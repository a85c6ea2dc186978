using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EdgeGateway.Supervision.Hosting;

/// <summary>
/// A hosted service that ended with an exception. The host stops when one does, and its run
/// method returns as if stopped on purpose; the program runs the host with <see cref="RunAsync"/>
/// and exits with <see cref="ExitCode"/> on a fault, so <c>Restart=</c> sees a failure.
/// </summary>
public sealed record ServiceFault(string Service, Exception Error)
{
    /// <summary>The exit code after a faulted service: EX_SOFTWARE from sysexits.h, apart from 2 for bad configuration.</summary>
    public const int ExitCode = 70;

    /// <summary>
    /// Runs the host until it stops (asked to, or because a service failed) and returns the
    /// failure, or null after a clean stop. Unlike <c>RunAsync</c> it leaves the host undisposed,
    /// so its services can still be asked how they ended; the caller disposes it.
    /// </summary>
    public static async Task<ServiceFault?> RunAsync(IHost host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        return Find(host.Services);
    }

    /// <summary>The first background service of the host whose run faulted, or null. The host must not be disposed yet.</summary>
    public static ServiceFault? Find(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        foreach (var hosted in services.GetServices<IHostedService>())
        {
            if (hosted is BackgroundService { ExecuteTask: { IsFaulted: true } task })
            {
                var error = task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerException! : task.Exception;
                return new ServiceFault(hosted.GetType().Name, error);
            }
        }

        return null;
    }

    /// <summary>One line for the journal: the service, the exception type and message.</summary>
    public string Describe(string program) =>
        $"{program}: {Service} failed: {Error.GetType().Name}: {Error.Message.ReplaceLineEndings(" ")}; exiting with code {ExitCode}";
}
