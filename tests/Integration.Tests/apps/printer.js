// Prints LINES numbered lines as fast as it can, then a last line without newline, then crashes:
// every line must reach the log file, in order, the partial one included. fs.writeSync, because Node's
// process.stdout may still hold data in memory when the process dies on a pipe.
const fs = require('fs');
const n = Number(process.env.LINES || 20000);
let buf = '';
for (let i = 1; i <= n; i++) {
  buf += `line ${i}\n`;
  if (buf.length > 65536) { fs.writeSync(1, buf); buf = ''; }
}
fs.writeSync(1, buf + 'partial-last-line');
fs.writeSync(2, 'about to crash\n');
throw new Error(`boom after ${n} lines`);
