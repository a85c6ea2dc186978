using CloudRelay.Devices;
using CloudRelay.Storage;

namespace CloudRelay.Tests;

[Trait("Category", "Unit")]
public sealed class ClientIdTests
{
    private static readonly DeviceRecord Box = new("s1", "box", null, null, false, null, 0, ClientId: "kitchen-cam-7");

    [Theory]
    [InlineData("edgegw-s1-box", true)]
    [InlineData("kitchen-cam-7", true)]
    [InlineData("edgegw-s1-box/doctor", true)]
    [InlineData("kitchen-cam-7/doctor", true)]
    [InlineData("edgegw-s1-victim", false)]
    [InlineData("edgegw-s1-victim/doctor", false)]
    [InlineData("edgegw-s1-box/doctor/doctor", false)]
    [InlineData("/doctor", false)]
    [InlineData("", false)]
    public void A_device_may_use_its_own_ids_and_doctor_probes_of_them_only(string clientId, bool own) =>
        Assert.Equal(own, ClientIds.IsOwn(Box, clientId));
}
