// pbm-lighthouse: a seed node every pbm node joins, in the spirit of petabridge/lighthouse. It reads
// hocon/lighthouse.hocon, then CLUSTER_IP, CLUSTER_PORT (default 4053), CLUSTER_SEEDS and AKKA__SECTION__KEY
// from the environment, then --cluster-ip/--cluster-port/--seeds; it injects itself as a seed at run time.
// It runs no host agent and does not carry the master, but it serves the control API, so `pbm` can talk to it.
return await Pbm.Runtime.Hosting.PbmDaemon.RunAsync(args, Pbm.Runtime.Hosting.DaemonRole.Lighthouse);
