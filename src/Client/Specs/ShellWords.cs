using System.Text;

namespace Pbm.Client.Specs;

/// <summary>Words of a command line as a shell splits plain words and quotes (no expansion), and back.</summary>
public static class ShellWords
{
    /// <summary>"a 'b c' \"d\"" → [a, b c, d].</summary>
    public static List<string> Split(string text)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        foreach (var c in text)
        {
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else current.Append(c);
                continue;
            }
            if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) result.Add(current.ToString());
                current.Clear();
                inWord = false;
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }
        if (inWord) result.Add(current.ToString());
        return result;
    }

    /// <summary>One word quoted so that <see cref="Split"/> gives it back whole.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && !word.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'') ? word : "'" + word.Replace("'", "'\"'\"'", StringComparison.Ordinal) + "'";
}
