// Samples a process's CPU (utime+stime from /proc/PID/stat) over SECONDS and its resident memory at the end.
const fs = require('fs');
const [pid, seconds] = [Number(process.argv[2]), Number(process.argv[3] || 20)];
const ticks = () => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); const r = f.slice(f.lastIndexOf(')') + 2).split(' '); return Number(r[11]) + Number(r[12]); };
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const t0 = ticks(), s0 = Date.now();
setTimeout(() => {
  const cpu = (ticks() - t0) / 100 / ((Date.now() - s0) / 1000) * 100;
  console.log(JSON.stringify({ cpu: Math.round(cpu * 100) / 100, rssMb: Math.round(rss()) }));
}, seconds * 1000);
