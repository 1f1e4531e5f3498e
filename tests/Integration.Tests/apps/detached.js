// Starts a grandchild in a session of its own, as `spawn(..., {detached: true})` does (setsid), lets it go (unref)
// and records its pid in WORK_DIR/detached-N.pid. It is out of the instance's session and process group: only the
// instance's cgroup (or pbm's record of its descendants, without cgroups) still ties it to the instance, and pbm
// must kill it on stop, restart, delete, kill and crash all the same.
// With CRASH_MARKER=FILE the first run exits with code 1 after CRASH_AFTER_MS (default 2000) and leaves FILE behind,
// so the restarted run stays up.
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

const out = path.join(process.env.WORK_DIR, `detached-${process.env.PBM_INSTANCE}.pid`);
const child = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
child.unref();
fs.writeFileSync(`${out}.tmp`, String(child.pid));
fs.renameSync(`${out}.tmp`, out);

const marker = process.env.CRASH_MARKER;
if (marker && !fs.existsSync(marker)) {
  setTimeout(() => {
    fs.writeFileSync(marker, '');
    process.exit(1);
  }, Number(process.env.CRASH_AFTER_MS || 2000));
}
setInterval(() => {}, 1000);
