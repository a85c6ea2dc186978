using EdgeGateway.Testing;

namespace EdgeGateway.Host.Tests;

[CollectionDefinition(TimingSensitive.Name, DisableParallelization = true)]
public sealed class TimingSensitiveTests;
