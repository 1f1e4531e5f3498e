// Prints "tick N pid PID" on stdout every 100 ms and "warn N" on stderr every tenth tick, forever.
let n = 0;
setInterval(() => {
  n++;
  console.log(`tick ${n} pid ${process.pid}`);
  if (n % 10 === 0) console.error(`warn ${n}`);
}, 100);
