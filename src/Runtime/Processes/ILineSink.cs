namespace Pbm.Runtime.Processes;

/// <summary>
/// Receives a process's output, one line at a time, from its reader tasks. It may make the reader wait briefly
/// (the app then blocks on its pipe) but must never block for long.
/// </summary>
internal interface ILineSink
{
    ValueTask LineAsync(bool isError, string line);
}
