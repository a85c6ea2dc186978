// The gateway and its tests run on Linux only (systemd, /proc, file modes).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
