// Prints who it runs as (uid, gid, HOME, USER), then idles: for --user/--group tests.
console.log(`uid=${process.getuid()} gid=${process.getgid()} home=${process.env.HOME} user=${process.env.USER}`);
setInterval(() => {}, 1 << 30);
