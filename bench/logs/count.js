// Counts the flood lines in log files (any prefix), and how many sequence numbers are missing or out of order.
const fs = require('fs');
const files = process.argv.slice(2).filter(f => fs.existsSync(f));
let count = 0, maxSeen = 0, outOfOrder = 0;
const seen = new Set();
for (const f of files) {
  for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
    const m = / flood line (\d+) /.exec(' ' + line);
    if (!m) continue;
    const k = Number(m[1]);
    count++;
    if (k < maxSeen) outOfOrder++;
    maxSeen = Math.max(maxSeen, k);
    seen.add(k);
  }
}
console.log(JSON.stringify({ count, unique: seen.size, max: maxSeen, outOfOrder }));
