namespace Pbm.Runtime.Metrics;

/// <summary>What an instance's whole process tree (its session) costs: CPU in % of one core, resident bytes, process count.</summary>
internal readonly record struct TreeUsage(double Cpu, long Rss, int Processes);
