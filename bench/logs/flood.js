// Prints numbered lines as fast as it can for DURATION seconds (default 10), then writes how many it printed
// to COUNT_FILE and idles, so the log files can be counted against it.
const fs = require('fs');
const duration = Number(process.env.DURATION || 10) * 1000;
const end = Date.now() + duration;
let n = 0;
while (Date.now() < end) {
  let batch = '';
  for (let i = 0; i < 200; i++) batch += `flood line ${++n} the quick brown fox jumps over the lazy dog\n`;
  fs.writeSync(1, batch);
}
fs.writeFileSync(process.env.COUNT_FILE, String(n));
setInterval(() => {}, 1000);
