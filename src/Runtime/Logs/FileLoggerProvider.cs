using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Pbm.Runtime.Logs;

/// <summary>
/// The daemon's own log, PBM_HOME/pbm.log: one line per event, written by one background task, rotated at
/// <see cref="MaxBytes"/> keeping <see cref="Keep"/> old files, so it can never fill the disk.
/// </summary>
public sealed class FileLoggerProvider : ILoggerProvider
{
    public const long MaxBytes = 10 * 1024 * 1024;
    public const int Keep = 3;
    private readonly string _path;
    private readonly Channel<string> _lines = Channel.CreateBounded<string>(new BoundedChannelOptions(10000) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly Task _writer;

    public FileLoggerProvider(string path)
    {
        _path = path;
        _writer = Task.Run(WriteLoopAsync);
    }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    internal void Write(string line) => _lines.Writer.TryWrite(line);

    private async Task WriteLoopAsync()
    {
        var stream = Open();
        while (await _lines.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_lines.Reader.TryRead(out var line))
            {
                try
                {
                    stream.WriteLine(line);
                    if (stream.BaseStream.Length > MaxBytes)
                    {
                        stream.Dispose();
                        Rotate();
                        stream = Open();
                    }
                }
                catch (IOException)
                {
                    // The daemon's log must never take the daemon down.
                }
            }
            try
            {
                stream.Flush();
            }
            catch (IOException)
            {
            }
        }
        stream.Dispose();
    }

    private StreamWriter Open() =>
        new(new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete), new UTF8Encoding(false));

    private void Rotate()
    {
        for (var i = Keep - 1; i >= 1; i--)
            if (File.Exists($"{_path}.{i}")) File.Move($"{_path}.{i}", $"{_path}.{i + 1}", true);
        File.Move(_path, $"{_path}.1", true);
    }

    public void Dispose()
    {
        _lines.Writer.TryComplete();
        _writer.Wait(TimeSpan.FromSeconds(2));
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        private readonly string _category = category.Split('.')[^1];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var sb = new StringBuilder();
            sb.Append(DateTimeOffset.Now.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture))
              .Append(' ').Append(Level(logLevel)).Append(' ').Append(_category).Append(": ").Append(formatter(state, exception));
            if (exception is not null) sb.Append(" | ").Append(exception.GetType().Name).Append(": ").Append(exception.Message);
            provider.Write(sb.ToString());
        }

        private static string Level(LogLevel level) => level switch
        {
            LogLevel.Warning => "WARN ",
            LogLevel.Error => "ERROR",
            LogLevel.Critical => "FATAL",
            LogLevel.Debug => "DEBUG",
            _ => "INFO ",
        };
    }
}
