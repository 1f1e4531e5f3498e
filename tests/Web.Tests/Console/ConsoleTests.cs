using Microsoft.Playwright;
using Pbm.Integration.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Pbm.Web.Tests.Console;

/// <summary>
/// The web console end to end: a real daemon (its own PBM_HOME, --api on a free port) managing real Node apps,
/// driven through headless chromium as a person would, checked against what the CLI reports.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsoleTests(Browser browser) : IAsyncLifetime
{
    private IBrowserContext? _context;
    private readonly List<string> _pageErrors = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_context is not null) await _context.DisposeAsync();
    }

    private async Task<IPage> OpenAsync(string url, ColorScheme scheme = ColorScheme.Light)
    {
        _context ??= await browser.Instance.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 }, ColorScheme = scheme });
        var page = await _context.NewPageAsync();
        page.PageError += (_, e) => _pageErrors.Add(e);
        await page.GotoAsync(url);
        return page;
    }

    private static ILocator Row(IPage page, string id) => page.Locator($"tr[data-instance='{id}']");

    private static ILocator Cell(IPage page, string id, string col) => Row(page, id).Locator($"[data-col='{col}']");

    private static ILocator App(IPage page, string app) => page.Locator($"article[data-app='{app}']");

    private static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(Browser.Screenshots, name + ".png"), FullPage = true });

    private void NoScriptErrors() => Assert.True(_pageErrors.Count == 0, "script errors in the page: " + string.Join("; ", _pageErrors));

    [BrowserFact]
    public async Task TokenLink_SignsIn_ListsTheInstancesWithTheirPids_AndDropsTheTokenFromTheAddress()
    {
        await using var node = await ConsoleNode.StartAsync();
        await node.Box.OkAsync("start", ConsoleNode.Ticker, "--name", "ticker", "-i", "2");
        var cli = (await node.Box.RunAsync("console")).Stdout;
        Assert.Contains($"{node.Url}/?token={node.Token}", cli);

        var page = await OpenAsync($"{node.Url}/?token={node.Token}");
        var instances = await node.InstancesAsync("ticker");
        foreach (var i in instances)
        {
            await Expect(Cell(page, i.Id, "status")).ToContainTextAsync("online");
            await Expect(Cell(page, i.Id, "pid")).ToHaveTextAsync(i.Pid!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        await Expect(App(page, "ticker").Locator("[data-col='ready']")).ToHaveTextAsync("2/2 ready");
        await Expect(page.Locator("#hosts-table tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#live")).ToHaveTextAsync("live");
        Assert.DoesNotContain("token", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("#clusters li[data-cluster='home']")).ToHaveAttributeAsync("data-health", "ok");
        // The host's CPU and memory charts draw a line once a few snapshots came in.
        await Expect(page.Locator("#hosts-table .spark-line").First).ToHaveAttributeAsync("d", new System.Text.RegularExpressions.Regex("^M[^M]+L.+L"));
        await ShotAsync(page, "dashboard");
        await page.SetViewportSizeAsync(420, 900);
        await ShotAsync(page, "dashboard-narrow");
        NoScriptErrors();
    }

    [BrowserFact]
    public async Task WithoutToken_TheLoginFormAsks_RefusesAWrongOneInWords_AndAcceptsTheRightOne()
    {
        await using var node = await ConsoleNode.StartAsync();
        var page = await OpenAsync(node.Url + "/");
        await Expect(page.Locator("#login")).ToBeVisibleAsync();
        await page.Locator("#login").GetByLabel("Token").FillAsync("not-the-token");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("#login-error")).ToContainTextAsync("unauthorized");
        await ShotAsync(page, "login-refused");
        await page.Locator("#login").GetByLabel("Token").FillAsync(node.Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("#no-apps")).ToBeVisibleAsync();
        NoScriptErrors();
    }

    [BrowserFact]
    public async Task RestartButton_AfterConfirming_ChangesThePid()
    {
        await using var node = await ConsoleNode.StartAsync();
        await node.Box.OkAsync("start", ConsoleNode.Ticker, "--name", "ticker");
        var before = (await node.InstancesAsync("ticker")).Single().Pid!.Value;
        var page = await OpenAsync($"{node.Url}/?token={node.Token}");
        var pid = Cell(page, "ticker:0", "pid");
        await Expect(pid).ToHaveTextAsync(before.ToString(System.Globalization.CultureInfo.InvariantCulture));

        await Row(page, "ticker:0").GetByRole(AriaRole.Button, new() { Name = "Restart ticker:0" }).ClickAsync();
        var dialog = page.Locator("#dlg-confirm");
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog).ToContainTextAsync("Restart ticker:0?");
        await ShotAsync(page, "confirm-restart");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Restart" }).ClickAsync();

        var after = await Sandbox.EventuallyAsync(() => node.InstancesAsync("ticker"),
            l => l.Single() is { Status: "online", Pid: { } p } && p != before, "a new pid after the restart");
        await Expect(pid).ToHaveTextAsync(after.Single().Pid!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(Cell(page, "ticker:0", "restarts")).ToHaveTextAsync("1");
        NoScriptErrors();
    }

    [BrowserFact]
    public async Task CrashLoopingApp_CountsAsAProblem_WhileAHealthyOneDoesNot()
    {
        await using var node = await ConsoleNode.StartAsync();
        await node.Box.OkAsync("start", ConsoleNode.Ticker, "--name", "ticker");
        var page = await OpenAsync($"{node.Url}/?token={node.Token}");
        await Expect(Cell(page, "ticker:0", "status")).ToHaveTextAsync("online");
        await Expect(page.Locator("#sum-problems")).ToHaveTextAsync("0");

        // Up 1.5 s, then a crash: online most of the time, but its restarts climb. That is a problem, not health.
        await node.Box.OkAsync("start", Path.Combine(Repo.Root, "tests", "Web.Tests", "apps", "crasher.js"), "--name", "crasher");
        await Sandbox.EventuallyAsync(() => node.InstancesAsync("crasher"), l => l.Single().Restarts >= 1, "crasher to crash and be restarted",
            TimeSpan.FromSeconds(20));
        await Expect(page.Locator("#sum-problems")).ToHaveTextAsync("1");
        await Expect(page.Locator("#sum-problems-sub")).ToContainTextAsync("1 crash-looping");
        await Expect(page.Locator("#sum-problems")).ToHaveAttributeAsync("data-tone", "bad");
        await ShotAsync(page, "crash-looping");

        // Stopped, it is no longer a problem.
        await node.Box.OkAsync("delete", "crasher");
        await Expect(page.Locator("#sum-problems")).ToHaveTextAsync("0");
        NoScriptErrors();
    }

    [BrowserFact]
    public async Task ScaleToThree_ShowsThreeRows_AndDeleteAsksFirst()
    {
        await using var node = await ConsoleNode.StartAsync();
        await node.Box.OkAsync("start", ConsoleNode.Ticker, "--name", "ticker");
        var page = await OpenAsync($"{node.Url}/?token={node.Token}");
        await Expect(page.Locator("tr[data-instance]")).ToHaveCountAsync(1);

        await App(page, "ticker").GetByRole(AriaRole.Button, new() { Name = "Scale ticker" }).ClickAsync();
        await page.Locator("#dlg-scale").GetByLabel("Instances").FillAsync("3");
        await page.Locator("#dlg-scale").GetByRole(AriaRole.Button, new() { Name = "Scale" }).ClickAsync();
        await Expect(page.Locator("tr[data-instance]")).ToHaveCountAsync(3);
        foreach (var id in new[] { "ticker:0", "ticker:1", "ticker:2" }) await Expect(Cell(page, id, "status")).ToHaveTextAsync("online");
        Assert.Equal(3, (await node.InstancesAsync("ticker")).Count(i => i.Status == "online"));

        // A count the API refuses is explained in its words, in the dialog.
        await App(page, "ticker").GetByRole(AriaRole.Button, new() { Name = "Scale ticker" }).ClickAsync();
        await page.Locator("#dlg-scale").GetByLabel("Instances").FillAsync("-3");
        await page.Locator("#dlg-scale").GetByRole(AriaRole.Button, new() { Name = "Scale" }).ClickAsync();
        await Expect(page.Locator("#scale-error")).ToContainTextAsync("the count must stay between 1 and 1024");
        await page.Locator("#dlg-scale").GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();

        // Delete: cancelling keeps the app, confirming removes it.
        var delete = App(page, "ticker").GetByRole(AriaRole.Button, new() { Name = "Delete ticker" });
        await delete.ClickAsync();
        await page.Locator("#dlg-confirm").GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Task.Delay(1500);
        Assert.Equal(3, (await node.InstancesAsync("ticker")).Count);
        await delete.ClickAsync();
        await page.Locator("#dlg-confirm").GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(App(page, "ticker")).ToHaveCountAsync(0);
        await Expect(page.Locator("#no-apps")).ToBeVisibleAsync();
        Assert.Empty((await node.Box.ListAsync()).Apps);
        NoScriptErrors();
    }

    [BrowserFact]
    public async Task StartForm_StartsAnApp_ItsLinesAppearInTheLogTail_AndABadScriptIsExplained()
    {
        await using var node = await ConsoleNode.StartAsync();
        var page = await OpenAsync($"{node.Url}/?token={node.Token}");
        await Expect(page.Locator("#no-apps")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Start app" }).First.ClickAsync();
        var form = page.Locator("#dlg-start");
        await form.GetByLabel("Script, directory or command").FillAsync("/nowhere/app.js");
        await form.GetByRole(AriaRole.Button, new() { Name = "Start", Exact = true }).ClickAsync();
        await Expect(page.Locator("#start-error")).ToContainTextAsync("not found: /nowhere/app.js");

        await form.GetByLabel("Script, directory or command").FillAsync(ConsoleNode.Ticker);
        await form.GetByLabel("Name").FillAsync("tick");
        await form.GetByLabel("Instances").FillAsync("2");
        await form.GetByRole(AriaRole.Button, new() { Name = "Start", Exact = true }).ClickAsync();
        await Expect(form).ToBeHiddenAsync();
        await Expect(Cell(page, "tick:1", "status")).ToHaveTextAsync("online");

        await App(page, "tick").GetByRole(AriaRole.Button, new() { Name = "Show the logs of tick", Exact = true }).ClickAsync();
        var pid = (await node.InstancesAsync("tick")).First(i => i.Index == 1).Pid!.Value;
        var lines = page.Locator("#log-lines");
        await Expect(lines).ToContainTextAsync($"from {pid}");
        // Following: a line printed after the tail opened shows up too.
        var count = await lines.Locator(".line").CountAsync();
        await Expect(lines.Locator(".line")).Not.ToHaveCountAsync(count);
        await ShotAsync(page, "logs");
        NoScriptErrors();
    }

    [BrowserFact]
    public async Task Reload_ShowsTheRollout_AndStopIsConfirmed()
    {
        await using var node = await ConsoleNode.StartAsync();
        await node.Box.OkAsync("start", ConsoleNode.Ticker, "--name", "web", "-i", "2", "--port", Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture));
        var before = (await node.InstancesAsync("web")).Select(i => i.Pid).ToList();
        var page = await OpenAsync($"{node.Url}/?token={node.Token}");
        await Expect(App(page, "web").Locator("[data-col='ready']")).ToHaveTextAsync("2/2 ready");

        await App(page, "web").GetByRole(AriaRole.Button, new() { Name = "Zero-downtime reload of web" }).ClickAsync();
        await Expect(App(page, "web").Locator(".rollout")).ToContainTextAsync("reload v1 done: 2/2 replaced");
        var after = await node.InstancesAsync("web");
        Assert.All(after, i => Assert.DoesNotContain(i.Pid, before));

        // Disconnect: out of the gateway, kept alive, replaced.
        await Row(page, "web:0").GetByRole(AriaRole.Button, new() { Name = "Disconnect web:0" }).ClickAsync();
        await page.Locator("#dlg-confirm").GetByRole(AriaRole.Button, new() { Name = "Disconnect" }).ClickAsync();
        await Sandbox.EventuallyAsync(() => node.InstancesAsync("web"), l => l.Any(i => i.Status == "disconnected"), "a disconnected instance");
        await Expect(page.Locator("tr[data-instance] [data-col='status'] .badge", new() { HasText = "disconnected" })).ToHaveCountAsync(1);

        await App(page, "web").GetByRole(AriaRole.Button, new() { Name = "Stop web", Exact = true }).ClickAsync();
        await page.Locator("#dlg-confirm").GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();
        await Expect(App(page, "web").Locator(".app-title .badge")).ToHaveTextAsync("stopped");
        await Expect(App(page, "web").GetByRole(AriaRole.Button, new() { Name = "Start web", Exact = true })).ToBeVisibleAsync();
        NoScriptErrors();
    }

    [BrowserFact]
    public async Task Deploy_RollsTheNewDirectoryOut_AndAMissingOneIsExplained()
    {
        await using var node = await ConsoleNode.StartAsync();
        var v1 = Directory.CreateDirectory(Path.Combine(node.Box.Work, "v1")).FullName;
        var v2 = Directory.CreateDirectory(Path.Combine(node.Box.Work, "v2")).FullName;
        File.Copy(ConsoleNode.Ticker, Path.Combine(v1, "server.js"));
        File.Copy(ConsoleNode.Ticker, Path.Combine(v2, "server.js"));
        await node.Box.OkAsync("start", Path.Combine(v1, "server.js"), "--cwd", v1, "--name", "api", "-i", "2");
        var page = await OpenAsync($"{node.Url}/?token={node.Token}");
        await Expect(App(page, "api").Locator("[data-col='ready']")).ToHaveTextAsync("2/2 ready");

        var deploy = App(page, "api").GetByRole(AriaRole.Button, new() { Name = "Deploy api" });
        await deploy.ClickAsync();
        var dialog = page.Locator("#dlg-deploy");
        await dialog.GetByLabel("Directory of the new version").FillAsync(Path.Combine(node.Box.Work, "v9"));
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Deploy" }).ClickAsync();
        await Expect(page.Locator("#deploy-error")).ToContainTextAsync("no such directory");

        await dialog.GetByLabel("Directory of the new version").FillAsync(v2);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Deploy" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(App(page, "api").Locator(".rollout")).ToContainTextAsync("deploy v1 → v2 done: 2/2 replaced");
        await Expect(App(page, "api").Locator(".chip")).ToHaveTextAsync("v2");
        await Expect(App(page, "api").Locator(".script")).ToContainTextAsync(v2);
        Assert.All(await node.InstancesAsync("api"), i => Assert.Equal(2, i.Version));
        await Expect(App(page, "api").GetByRole(AriaRole.Button, new() { Name = "Rollback api" })).ToBeVisibleAsync();
        NoScriptErrors();
    }

    [BrowserFact]
    public async Task SecondCluster_CanBeAdded_ShowsItsHealth_AndIsSwitchedTo()
    {
        await using var a = await ConsoleNode.StartAsync();
        await using var b = await ConsoleNode.StartAsync();
        await a.Box.OkAsync("start", ConsoleNode.Ticker, "--name", "alpha");
        await b.Box.OkAsync("start", ConsoleNode.Ticker, "--name", "beta", "-i", "2");
        var page = await OpenAsync($"{a.Url}/?token={a.Token}", ColorScheme.Dark);
        await Expect(Cell(page, "alpha:0", "status")).ToHaveTextAsync("online");

        await page.GetByRole(AriaRole.Button, new() { Name = "+ Add cluster" }).ClickAsync();
        var dialog = page.Locator("#dlg-cluster");
        await dialog.GetByLabel("Endpoint").FillAsync(b.Url);
        await dialog.GetByLabel("Token").FillAsync("wrong-token");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Add and open" }).ClickAsync();
        await Expect(page.Locator("#cluster-error")).ToContainTextAsync("unauthorized");
        await dialog.GetByLabel("Token").FillAsync(b.Token);
        await dialog.GetByLabel("Name").FillAsync("cluster-b");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Add and open" }).ClickAsync();

        // Cluster B is open (its API called straight from this page, cross-origin); A stays listed with its health.
        await Expect(page.Locator("#cluster-title")).ToHaveTextAsync("cluster-b");
        await Expect(page.Locator("tr[data-instance]")).ToHaveCountAsync(2);
        await Expect(Cell(page, "beta:1", "status")).ToHaveTextAsync("online");
        await Expect(page.Locator("#clusters li")).ToHaveCountAsync(2);
        await Expect(page.Locator("#clusters li[data-cluster='home']")).ToHaveAttributeAsync("data-health", "ok", new() { Timeout = 15_000 });
        await Expect(page.Locator("#clusters li[data-cluster='home']")).ToContainTextAsync("1/1 online");
        await ShotAsync(page, "two-clusters");

        // An action on B goes to B.
        var before = (await b.InstancesAsync("beta")).Single(i => i.Index == 0).Pid;
        await Row(page, "beta:0").GetByRole(AriaRole.Button, new() { Name = "Restart beta:0" }).ClickAsync();
        await page.Locator("#dlg-confirm").GetByRole(AriaRole.Button, new() { Name = "Restart" }).ClickAsync();
        await Sandbox.EventuallyAsync(() => b.InstancesAsync("beta"), l => l.Single(i => i.Index == 0) is { Status: "online", Pid: { } p } && p != before, "beta:0 restarted");

        // Back to A.
        await page.Locator("#clusters li[data-cluster='home'] button.cluster").ClickAsync();
        await Expect(page.Locator("tr[data-instance]")).ToHaveCountAsync(1);
        await Expect(Cell(page, "alpha:0", "status")).ToHaveTextAsync("online");
        NoScriptErrors();
    }
}
