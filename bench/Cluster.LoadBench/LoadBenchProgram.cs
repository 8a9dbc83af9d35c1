namespace Cluster.LoadBench;

/// <summary>The tool's commands; the smoke tests call <see cref="RunAsync"/> directly.</summary>
public static class LoadBenchProgram
{
    public const string Usage =
        "usage: Cluster.LoadBench <ingest-capacity|latency|memory> [--smoke] [--silo path/to/Cluster.Silo.dll] [--capture file.ismv] [--capture-seconds 60]\n" +
        "  ingest-capacity [--steps 50,100,200,400,500,600,800,1000] [--step-seconds 20] [--max-lag-ms 500]\n" +
        "  latency [--samples 300]\n" +
        "  memory [--points 100] [--parallel 4]";

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        if (args.Length == 0)
        {
            output.WriteLine(Usage);
            return 2;
        }

        var options = new Options(args.Skip(1));
        switch (args[0])
        {
            case "ingest-capacity":
                return await IngestCapacity.RunAsync(options, output);
            case "latency":
                return await Latency.RunAsync(options, output);
            case "memory":
                return await Memory.RunAsync(options, output);
            default:
                output.WriteLine(Usage);
                return 2;
        }
    }
}
