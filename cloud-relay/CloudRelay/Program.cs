Console.Error.WriteLine("cloud-relay: ingest is being built");
return 2;
