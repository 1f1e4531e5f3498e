// Spins a CPU core for good: a --cpu-limit must hold it to its share.
console.log(`pid ${process.pid} spinning`);
for (;;) { }
