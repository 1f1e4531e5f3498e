// Does nothing, forever; stops at once on SIGTERM. Started with an IPC channel (--wait-ready), it says it is ready.
setInterval(() => {}, 1000);
if (process.send) process.send('ready');
