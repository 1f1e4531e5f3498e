using Microsoft.AspNetCore.Builder;

namespace Pbm.Runtime.Hosting;

/// <summary>How pbm's own Kestrel servers (control API, gateway listeners) are built.</summary>
internal static class PbmWebHost
{
    /// <summary>
    /// Options for <see cref="WebApplication.CreateSlimBuilder(WebApplicationOptions)"/> that keep the server from
    /// watching the file system. By default the content root is the current directory (the shell's where `pbm`
    /// first ran) and appsettings.json is watched for reloads, which on Linux puts an inotify watch on every
    /// directory below it: 1,628 watches when started from this repository, hundreds of thousands from a home or
    /// /, eating the user's fs.inotify.max_user_watches (which `--watch` apps need) and daemon memory. pbm reads
    /// no appsettings.json, so the content root is the binaries' folder and nothing is reloaded.
    /// </summary>
    public static WebApplicationOptions Options() => new()
    {
        Args = ["--hostBuilder:reloadConfigOnChange=false"],
        ContentRootPath = AppContext.BaseDirectory,
    };
}
