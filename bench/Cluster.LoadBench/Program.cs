using Cluster.LoadBench;

return await LoadBenchProgram.RunAsync(args, Console.Out);
