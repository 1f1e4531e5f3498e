// Counts the flood lines in log files (any prefix), streaming (files may be GBs), and how many sequence
// numbers are missing or out of order.
const fs = require('fs');
const readline = require('readline');
(async () => {
  const files = process.argv.slice(2).filter(f => fs.existsSync(f));
  let count = 0, maxSeen = 0, outOfOrder = 0;
  const seen = new Uint8Array(1 << 28);
  let unique = 0;
  for (const f of files) {
    const rl = readline.createInterface({ input: fs.createReadStream(f, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
    for await (const line of rl) {
      const at = line.indexOf('flood line ');
      if (at < 0) continue;
      const k = parseInt(line.slice(at + 11), 10);
      count++;
      if (k < maxSeen) outOfOrder++;
      if (k > maxSeen) maxSeen = k;
      if (k < seen.length && !seen[k]) { seen[k] = 1; unique++; }
    }
  }
  console.log(JSON.stringify({ count, unique, max: maxSeen, outOfOrder }));
})();
