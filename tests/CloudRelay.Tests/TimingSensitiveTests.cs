using EdgeGateway.Testing;

namespace CloudRelay.Tests;

[CollectionDefinition(TimingSensitive.Name, DisableParallelization = true)]
public sealed class TimingSensitiveTests;
