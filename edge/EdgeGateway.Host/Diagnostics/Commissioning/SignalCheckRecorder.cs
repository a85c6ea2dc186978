using EdgeGateway.Core.Health;
using EdgeGateway.Elevator.Machine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using EdgeGateway.Core.Configuration;

namespace EdgeGateway.Host.Diagnostics.Commissioning;

/// <summary>
/// Runs the page's guided signal check: on start it notes every wired input's level, then watches the
/// elevator's inputs and records when each one changes and when it comes back. Every change is written
/// to the data folder at once, so the report (and <c>edgegw report</c>) sees it even after a restart.
/// </summary>
internal sealed class SignalCheckRecorder(GatewayParts parts, IConfiguration configuration, TimeProvider time) : BackgroundService
{
    /// <summary>How often the inputs are read while a check runs: faster than a technician can toggle a switch.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly Lock _gate = new();
    private readonly string _dataDir = StorageOptions.DataDirIn(configuration);
    private SignalCheck? _current;

    public SignalCheck? Current
    {
        get
        {
            lock (_gate)
            {
                return _current ??= SignalCheck.Read(_dataDir, out _);
            }
        }
    }

    /// <summary>Starts a new check (the previous one is replaced); null when the box has no elevator.</summary>
    public SignalCheck? Start()
    {
        if (parts.Elevator is not { } elevator)
        {
            return null;
        }

        // Every input of the one signal table, so a newly added signal is checked without a change here.
        var levels = elevator.GetSnapshot().Inputs;
        var inputs = ElevatorSignals.Inputs
            .Select(s => new SignalCheckInput(s.Name, levels.GetValueOrDefault(s.Name), null, null))
            .ToList();
        return Save(new SignalCheck(true, time.GetUtcNow(), null, inputs));
    }

    public SignalCheck? Stop()
    {
        lock (_gate)
        {
            return Current is { Active: true } running ? Save(running with { Active = false, FinishedAt = time.GetUtcNow() }) : Current;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (parts.Elevator is { } elevator && Current is { Active: true })
            {
                Observe(elevator.GetSnapshot());
            }
        }
    }

    private void Observe(ElevatorSnapshot snapshot)
    {
        lock (_gate)
        {
            if (_current is not { Active: true } check)
            {
                return;
            }

            var now = time.GetUtcNow();
            var changed = false;
            var inputs = check.Inputs.Select(input =>
            {
                if (!snapshot.Inputs.TryGetValue(input.Input, out var level))
                {
                    return input;
                }

                if (input.SeenAt is null && level != input.Baseline)
                {
                    changed = true;
                    return input with { SeenAt = now };
                }

                if (input.SeenAt is not null && input.RestoredAt is null && level == input.Baseline)
                {
                    changed = true;
                    return input with { RestoredAt = now };
                }

                return input;
            }).ToList();
            if (changed)
            {
                Save(check with { Inputs = inputs });
            }
        }
    }

    private SignalCheck Save(SignalCheck check)
    {
        lock (_gate)
        {
            _current = check;
            check.Write(_dataDir);

            return check;
        }
    }
}
