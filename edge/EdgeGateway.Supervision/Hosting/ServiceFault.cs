using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EdgeGateway.Supervision.Hosting;

/// <summary>
/// A hosted service that ended with an exception. The host stops when one does, and its run
/// method returns as if stopped on purpose; the program asks <see cref="Find"/> afterwards and
/// exits with <see cref="ExitCode"/>, so <c>Restart=</c> sees a failure.
/// </summary>
public sealed record ServiceFault(string Service, Exception Error)
{
    /// <summary>The exit code after a faulted service: EX_SOFTWARE from sysexits.h, apart from 2 for bad configuration.</summary>
    public const int ExitCode = 70;

    /// <summary>The first background service of the host whose run faulted, or null.</summary>
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
