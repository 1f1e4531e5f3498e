using System.Net;
using System.Net.Http.Headers;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Ecosystem;

public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_OverTcpWithTheToken_ParsesStrictly_AndCountsInstancesRestartsAndGatewayRequests()
    {
        await using var box = new Sandbox();
        var api = Ports.Free();
        await box.OkAsync("daemon", "--api", $"127.0.0.1:{api}");
        var port = Ports.Free();
        await box.OkAsync("start", Repo.App("web.js"), "--name", "web", "-i", "2", "--port", port.ToString());
        await box.OkAsync("start", Repo.App("idle.js"), "--name", "idle");
        await box.OkAsync("restart", "idle");
        await box.OkAsync("stop", "idle");

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        for (var i = 0; i < 5; i++) (await http.GetAsync($"http://127.0.0.1:{port}/")).EnsureSuccessStatusCode();

        var refused = await http.GetAsync($"http://127.0.0.1:{api}/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{api}/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(Path.Combine(box.Home, "token"))).Trim());
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(response.Content.Headers.ContentType.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        var m = PromText.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal("counter", m.Types["pbm_instance_restarts_total"]);
        Assert.Equal("histogram", m.Types["pbm_gateway_request_duration_seconds"]);
        Assert.Equal(2, m.Value("pbm_app_desired_instances", ("app", "web")));
        Assert.Equal(2, m.Value("pbm_app_ready_instances", ("app", "web")));
        Assert.Equal(0, m.Value("pbm_app_desired_instances", ("app", "idle")));
        Assert.Equal(0, m.Value("pbm_app_ready_instances", ("app", "idle")));
        Assert.Equal(1, m.Value("pbm_instance_restarts_total", ("instance", "idle:0")));
        Assert.Equal(1, m.Value("pbm_instance_status", ("instance", "idle:0"), ("status", "stopped")));
        Assert.Equal(0, m.Value("pbm_instance_status", ("instance", "idle:0"), ("status", "online")));
        Assert.Equal(1, m.Value("pbm_instance_up", ("instance", "web:1")));
        var pids = (await box.InstancesAsync("web")).Select(i => (double)i.Pid!.Value).Order().ToList();
        Assert.Equal(pids, m.Samples.Where(s => s.Name == "pbm_instance_pid" && s.Labels["app"] == "web").Select(s => s.Value).Order());
        Assert.Equal(5, m.Value("pbm_gateway_requests_total", ("app", "web"), ("code", "200")));
        Assert.Equal(5, m.Value("pbm_gateway_request_duration_seconds_count", ("app", "web")));
        Assert.Equal(5, m.Value("pbm_gateway_request_duration_seconds_bucket", ("app", "web"), ("le", "+Inf")));
        Assert.InRange(m.Value("pbm_gateway_request_duration_seconds_sum", ("app", "web")), 0.00001, 5);
    }
}
