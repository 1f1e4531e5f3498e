// Runs for 1.5 s (past the default min uptime, so each restart counts as stable), then throws: restarts climb
// while the instance is online most of the time.
console.log(`crasher ${process.pid} up`);
setTimeout(() => { throw new Error('crasher: simulated crash'); }, 1500);
