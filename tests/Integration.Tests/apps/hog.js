// Allocates (and touches) 20 MB every 100 ms up to 1 GB, then idles: --max-memory must restart it.
const chunks = [];
const timer = setInterval(() => {
  if (chunks.length >= 50) { clearInterval(timer); return; }
  chunks.push(Buffer.alloc(20 * 1024 * 1024, 1));
  console.log(`allocated ${chunks.length * 20} MB`);
}, 100);
setInterval(() => {}, 1000);
