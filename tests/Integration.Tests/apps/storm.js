// Prints lines as fast as it can for STORM_MS (default 6000) ms, then "storm over at <epoch ms>", then idles:
// keeps the daemon busy (its log pumps) for a known time.
const fs = require('fs');
const until = Date.now() + Number(process.env.STORM_MS || 6000);
const line = 'storm '.repeat(10) + '\n';
const block = line.repeat(500);
function burst() {
  for (let i = 0; i < 20 && Date.now() < until; i++) fs.writeSync(1, block);
  if (Date.now() < until) setImmediate(burst);
  else { fs.writeSync(1, `storm over at ${Date.now()}\n`); setInterval(() => {}, 1000); }
}
burst();
