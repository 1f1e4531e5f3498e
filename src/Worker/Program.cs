// pbm-daemon: a pbm node. With no seeds it is the standalone daemon: seed, master and host at once.
// `pbm` starts it detached when none answers; `pbm daemon --foreground` runs it under systemd or in a container.
return await Pbm.Runtime.Hosting.PbmDaemon.RunAsync(args);
