// Takes (and touches) 150 MB at once, then idles: over any --max-memory below that from its first sample on.
const chunks = [];
for (let i = 0; i < 15; i++) chunks.push(Buffer.alloc(10 * 1024 * 1024, 1));
console.log('holding 150 MB');
setInterval(() => {}, 1000);
