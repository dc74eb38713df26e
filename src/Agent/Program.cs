using Agent;

return await AgentApp.RunAsync(args);
