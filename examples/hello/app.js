// A small HTTP app to manage with pbm: answers with its instance id and pid.
// PORT comes from pbm's gateway when started with --port; otherwise 3000 + instance index.
const http = require('http');
const instance = Number(process.env.PBM_INSTANCE || process.env.NODE_APP_INSTANCE || 0);
const port = Number(process.env.PORT || 3000 + instance);

const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    return res.end('ok\n');
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ app: process.env.PBM_APP || 'hello', instance, pid: process.pid }) + '\n');
});

// HOST comes from pbm with PORT: 127.0.0.1 standalone, in a cluster the address other hosts' gateways reach.
const host = process.env.HOST || '127.0.0.1';
server.listen(port, host, () => {
  console.log(`hello: instance ${instance} pid ${process.pid} listening on ${host}:${port}`);
});

// Graceful stop: finish in-flight requests, then exit.
process.on('SIGTERM', () => {
  console.log(`hello: instance ${instance} stopping`);
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
