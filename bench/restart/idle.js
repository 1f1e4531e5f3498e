// An app that does nothing and stays up: the 20 instances `pbm list` / `pm2 jlist` are timed against.
setInterval(() => {}, 1 << 30);
process.on('SIGTERM', () => process.exit(0));
