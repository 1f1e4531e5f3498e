// Prints LINES numbered lines as fast as it can, then a last line without newline, then crashes:
// every line must reach the log file, in order, the partial one included.
const n = Number(process.env.LINES || 20000);
let buf = '';
for (let i = 1; i <= n; i++) {
  buf += `line ${i}\n`;
  if (buf.length > 65536) { process.stdout.write(buf); buf = ''; }
}
process.stdout.write(buf + 'partial-last-line');
console.error('about to crash');
throw new Error(`boom after ${n} lines`);
