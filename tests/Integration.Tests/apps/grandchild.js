// Starts a grandchild that escapes its parent by double-forking (reparented to init), and records its pid.
// pbm must still kill it on stop, restart, delete and kill: it stays in the instance's session.
const { spawn } = require('child_process');
const path = require('path');
const out = path.join(process.env.WORK_DIR, `grandchild-${process.env.PBM_INSTANCE}.pid`);
spawn('sh', ['-c', `(sleep 600 & echo $! > ${out}.tmp && mv ${out}.tmp ${out})`], { stdio: 'ignore' });
// Ignore SIGTERM so that only the SIGKILL after kill-timeout stops the parent when asked.
if (process.env.IGNORE_TERM) process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
setInterval(() => {}, 1000);
