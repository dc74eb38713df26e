namespace Agent;

/// <summary>The agent's entry point: reads an Envoy v3 bootstrap named by <c>-c</c> or <c>--config-path</c> and serves it.</summary>
public static class AgentApp
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("agent: not implemented yet");
        return Task.FromResult(1);
    }
}
