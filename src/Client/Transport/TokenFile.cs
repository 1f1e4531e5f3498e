using System.Security.Cryptography;

namespace Pbm.Client.Transport;

/// <summary>The API token in PBM_HOME/token: created once (mode 0600), then reused.</summary>
public static class TokenFile
{
    public static string ReadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing.Length >= 16) return existing;
        }
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var tmp = path + ".tmp";
        using (var stream = new FileStream(tmp, new FileStreamOptions
               {
                   Mode = FileMode.Create, Access = FileAccess.Write,
                   UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
               }))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(token);
        }
        File.Move(tmp, path, overwrite: true);
        return token;
    }

    public static string? TryRead(string path) =>
        File.Exists(path) ? File.ReadAllText(path).Trim() : null;
}
