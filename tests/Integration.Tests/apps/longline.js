// Writes one 10 MB line without a newline, then "after", then idles: the line must be split, not buffered whole.
process.stdout.write('x'.repeat(10 * 1024 * 1024));
setTimeout(() => process.stdout.write('\nafter\n'), 500);
setInterval(() => {}, 1000);
