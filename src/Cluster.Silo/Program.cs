using Cluster.Silo;

await SiloApplication.Build(args).RunAsync();
