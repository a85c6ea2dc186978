namespace EdgeGateway.Supervision.Systemd;

/// <summary>The one line <c>systemctl status</c> shows for the program (<c>STATUS=</c>), e.g. <c>cameras 2/2 up, backlog 0, uplink connected</c>.</summary>
public interface IStatusLine
{
    string Describe();
}
