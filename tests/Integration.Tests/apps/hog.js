// Runs one second (long enough for `pbm start` to see it up), then allocates (and touches) 20 MB every 100 ms
// up to 1 GB, then idles: --max-memory must restart it, and --memory-limit must let the kernel stop it.
const chunks = [];
setTimeout(() => {
  const timer = setInterval(() => {
    if (chunks.length >= 50) { clearInterval(timer); return; }
    chunks.push(Buffer.alloc(20 * 1024 * 1024, 1));
    console.log(`allocated ${chunks.length * 20} MB`);
  }, 100);
}, 1000);
setInterval(() => {}, 1000);
