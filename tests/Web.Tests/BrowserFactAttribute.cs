namespace Pbm.Web.Tests;

/// <summary>
/// A test that needs Debian's chromium (`apt-get install chromium`; .ci/run installs it). Without it the test is
/// skipped with that message rather than failed: Playwright's own browser download cannot work here.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (!File.Exists(Browser.ChromiumPath))
            Skip = $"{Browser.ChromiumPath} is missing: install it (apt-get install -y chromium) to run the web console's browser tests";
    }
}
