using EdgeGateway.Core.Alerts;
using EdgeGateway.Elevator.Hardware;
using EdgeGateway.Elevator.Machine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Elevator.Service;

/// <summary>
/// Decorates the alert sink: when an <c>ebike_in_car</c> alert passes (from the car camera's
/// vision pipeline or the machine), it drives the door-hold relay and the voice-prompt trigger,
/// each as configured, then forwards the alert with its platform code (<c>code</c>, from <c>Elevator:Codes</c>)
/// when the source did not set one. The clear releases both.
/// </summary>
public sealed class EbikeResponder(IAlertSink inner, IElevatorOutputs outputs, IOptions<ElevatorOptions> options, ILogger<EbikeResponder> logger) : IAlertSink
{
    public async ValueTask<Alert> PublishAsync(AlertDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        if (draft.Kind == AlertKinds.EbikeInCar)
        {
            var raised = draft.State == AlertState.Raised;
            var settings = options.Value;
            var hold = raised && settings.EbikeDoorHold;
            var voice = raised && settings.EbikeVoicePrompt;
            outputs.SetDoorHold(hold);
            outputs.SetVoicePrompt(voice);
            Log.EbikeResponse(logger, draft.State, hold, voice);
            if (draft.Attributes?.ContainsKey("code") != true && ElevatorCodes.For(settings).TryGetValue(draft.Kind, out var code))
            {
                var attributes = new Dictionary<string, string>(draft.Attributes ?? Alert.EmptyAttributes, StringComparer.Ordinal) { ["code"] = code };
                draft = draft with { Attributes = attributes };
            }
        }

        return await inner.PublishAsync(draft, cancellationToken);
    }
}
