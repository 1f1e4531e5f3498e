// Takes STOP_MS (2000) to stop on SIGTERM, then writes STOPPED_FILE and exits 0: a graceful stop that takes a while.
const fs = require('fs');
const stopMs = Number(process.env.STOP_MS || 2000);
process.on('SIGTERM', () => setTimeout(() => {
  if (process.env.STOPPED_FILE) fs.writeFileSync(process.env.STOPPED_FILE, `${process.pid}\n`);
  process.exit(0);
}, stopMs));
setInterval(() => {}, 1000);
