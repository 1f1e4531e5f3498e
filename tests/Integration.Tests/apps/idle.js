// Does nothing, forever; stops at once on SIGTERM.
setInterval(() => {}, 1000);
