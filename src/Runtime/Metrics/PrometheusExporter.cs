using Pbm.Client.Contracts;

namespace Pbm.Runtime.Metrics;

/// <summary>
/// Renders GET /metrics: the cluster's apps and instances as the master sees them (any node answers for all),
/// and this host's gateway traffic. Instance gauges are a table of InstanceInfo readers, so CPU and memory
/// plug in as two rows once instances carry samples.
/// </summary>
internal static class PrometheusExporter
{
    private static readonly string[] Statuses =
    [
        InstanceStatus.Launching, InstanceStatus.Online, InstanceStatus.Unhealthy, InstanceStatus.WaitingRestart, InstanceStatus.Stopping,
        InstanceStatus.Stopped, InstanceStatus.Errored, InstanceStatus.Disconnected,
    ];

    /// <summary>Per-instance gauges read from what `pbm list` shows; a null value leaves the series out.</summary>
    private static readonly (string Name, string Help, Func<InstanceInfo, DateTimeOffset, double?> Value)[] InstanceGauges =
    [
        ("pbm_instance_up", "1 when the instance is online (ready), else 0.", (i, _) => i.Status == InstanceStatus.Online ? 1 : 0),
        ("pbm_instance_pid", "The pid of the instance's current process.", (i, _) => i.Pid),
        ("pbm_instance_uptime_seconds", "Seconds since the instance's current process started.", (i, now) => i.StartedAt is { } s ? Math.Max(0, (now - s).TotalSeconds) : null),
        ("pbm_instance_unstable_restarts", "Unstable starts in a row (reset by a run longer than min-uptime).", (i, _) => i.UnstableRestarts),
        ("pbm_instance_version", "The app version the instance runs.", (i, _) => i.Version),
    ];

    public static string Render(ListResult list, GatewayMetrics? gateway, DateTimeOffset now)
    {
        var w = new PrometheusWriter();
        var apps = list.Apps;

        w.Family("pbm_app_desired_instances", "gauge", "Instances the app should run (0 when stopped).");
        foreach (var a in apps) w.Sample("pbm_app_desired_instances", a.Running ? a.Spec.Instances : 0, ("app", a.Spec.Name));
        w.Family("pbm_app_ready_instances", "gauge", "Instances online (ready, and in the gateway for apps with a port).");
        foreach (var a in apps) w.Sample("pbm_app_ready_instances", a.Instances.Count(i => i.Status == InstanceStatus.Online), ("app", a.Spec.Name));
        w.Family("pbm_app_version", "gauge", "The app's current version (bumped by deploy, rollback, restart --update-env).");
        foreach (var a in apps) w.Sample("pbm_app_version", a.Spec.Version, ("app", a.Spec.Name));

        var scaled = apps.Where(a => a.Spec.Autoscale is not null || a.Autoscale is not null).ToList();
        if (scaled.Count > 0)
        {
            w.Family("pbm_autoscale_min_instances", "gauge", "The lower bound of an autoscaled app (pbm scale APP MIN..MAX).");
            foreach (var a in scaled) if (a.Spec.Autoscale is { } p) w.Sample("pbm_autoscale_min_instances", p.Min, ("app", a.Spec.Name));
            w.Family("pbm_autoscale_max_instances", "gauge", "The upper bound of an autoscaled app.");
            foreach (var a in scaled) if (a.Spec.Autoscale is { } p) w.Sample("pbm_autoscale_max_instances", p.Max, ("app", a.Spec.Name));
            w.Family("pbm_autoscale_wanted_instances", "gauge", "The count the last measure asked for, before the cool-down.");
            foreach (var a in scaled) if (a.Autoscale?.Wanted is { } n) w.Sample("pbm_autoscale_wanted_instances", n, ("app", a.Spec.Name));
            w.Family("pbm_autoscale_in_flight", "gauge", "Requests in flight on average over the last measure, all gateways together.");
            foreach (var a in scaled) if (a.Autoscale?.Concurrency is { } c) w.Sample("pbm_autoscale_in_flight", c, ("app", a.Spec.Name));
            w.Family("pbm_autoscale_p90_seconds", "gauge", "p90 latency of the last measure's requests, all gateways together.");
            foreach (var a in scaled) if (a.Autoscale?.P90Ms is { } l) w.Sample("pbm_autoscale_p90_seconds", l / 1000, ("app", a.Spec.Name));
            w.Family("pbm_autoscale_decisions_total", "counter", "Autoscaling decisions made since the master started, by direction.");
            foreach (var a in scaled)
            {
                w.Sample("pbm_autoscale_decisions_total", a.Autoscale?.ScaleOuts ?? 0, ("app", a.Spec.Name), ("direction", "out"));
                w.Sample("pbm_autoscale_decisions_total", a.Autoscale?.ScaleIns ?? 0, ("app", a.Spec.Name), ("direction", "in"));
            }
        }

        var instances = apps.SelectMany(a => a.Instances).ToList();
        w.Family("pbm_instance_restarts_total", "counter", "Restarts of the instance since the daemon started it.");
        foreach (var i in instances) w.Sample("pbm_instance_restarts_total", i.Restarts, Labels(i));
        w.Family("pbm_instance_status", "gauge", "1 for the instance's current status, 0 for the others.");
        foreach (var i in instances)
            foreach (var status in Statuses)
                w.Sample("pbm_instance_status", i.Status == status ? 1 : 0, [.. Labels(i), ("status", status)]);
        foreach (var (name, help, value) in InstanceGauges)
        {
            w.Family(name, "gauge", help);
            foreach (var i in instances)
                if (value(i, now) is { } v) w.Sample(name, v, Labels(i));
        }

        if (gateway is not null) RenderGateway(w, gateway);
        return w.ToString();
    }

    private static void RenderGateway(PrometheusWriter w, GatewayMetrics gateway)
    {
        var snapshots = gateway.Apps.Select(a => (a.App, Snap: a.Stats.Snapshot())).ToList();
        w.Family("pbm_gateway_requests_total", "counter", "Requests the gateway of this host answered, by app and status code.");
        foreach (var (app, s) in snapshots)
            foreach (var (code, count) in s.ByCode.OrderBy(kv => kv.Key))
                w.Sample("pbm_gateway_requests_total", count, ("app", app), ("code", code.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        w.Family("pbm_gateway_request_duration_seconds", "histogram", "Time from a request's arrival at the gateway to the end of its response.");
        foreach (var (app, s) in snapshots)
        {
            for (var b = 0; b < GatewayStats.Buckets.Length; b++)
                w.Sample("pbm_gateway_request_duration_seconds_bucket", s.Buckets[b], ("app", app), ("le", PrometheusWriter.Number(GatewayStats.Buckets[b])));
            w.Sample("pbm_gateway_request_duration_seconds_bucket", s.Count, ("app", app), ("le", "+Inf"));
            w.Sample("pbm_gateway_request_duration_seconds_sum", s.Sum, ("app", app));
            w.Sample("pbm_gateway_request_duration_seconds_count", s.Count, ("app", app));
        }
    }

    private static (string, string)[] Labels(InstanceInfo i) => [("app", i.App), ("instance", i.Id), ("host", i.Host)];
}
