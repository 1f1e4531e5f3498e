// An HTTP app for health-check tests. / answers JSON with its pid; /healthz answers 200, or 503 while the file named
// by UNHEALTHY_IF exists; /hang blocks the event loop for good (while(true)): the port stays open (the kernel still
// accepts connections) but nothing is ever answered again, as with a deadlocked or spinning app.
const http = require('http');
const fs = require('fs');
const server = http.createServer((req, res) => {
  if (req.url === '/hang') { console.log(`pid ${process.pid} hangs now`); for (;;) { } }
  if (req.url === '/healthz') {
    const sick = process.env.UNHEALTHY_IF && fs.existsSync(process.env.UNHEALTHY_IF);
    res.writeHead(sick ? 503 : 200, { 'content-type': 'text/plain' });
    res.end(sick ? 'sick' : 'ok');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ pid: process.pid, instance: Number(process.env.PBM_INSTANCE || 0) }));
});
server.listen(Number(process.env.PORT || 0), process.env.HOST || '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
