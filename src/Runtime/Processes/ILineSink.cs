namespace Pbm.Runtime.Processes;

/// <summary>Receives a process's output, one line at a time, from its reader tasks. Must never block for long.</summary>
internal interface ILineSink
{
    void Line(bool isError, string line);
}
