// pbm-lighthouse: a seed node every pbm node joins. For now it runs a pbm node without a host agent;
// the multi-host step gives it CLUSTER_IP / CLUSTER_PORT / CLUSTER_SEEDS as petabridge/lighthouse has.
return await Pbm.Runtime.Hosting.PbmDaemon.RunAsync(args);
