'use strict';
// Shared stand-in app for the PM2 ecosystem corpus.
// Each case's script (dist/server.js, bin/www, ...) is a one-liner that requires this file.
// On start: writes one JSON report into $PBM_CORPUS_REPORTS (nothing if unset),
// then stays alive (HTTP server on $PORT if set, otherwise a timer).
const fs = require('fs');
const path = require('path');
const http = require('http');

const dir = process.env.PBM_CORPUS_REPORTS;
const parentFile = module.parent && module.parent.filename;
const mainFile = require.main && require.main.filename;

if (dir) {
  const name = (process.env.name || 'app').replace(/[^A-Za-z0-9._-]/g, '_');
  const inst = process.env.NODE_APP_INSTANCE || '0';
  const file = path.join(dir, `${name}-${inst}-${process.pid}.json`);
  const report = {
    pid: process.pid,
    ppid: process.ppid,
    argv: process.argv,
    execArgv: process.execArgv,
    cwd: process.cwd(),
    env: process.env,
    script: parentFile || mainFile || null,
    mainModule: mainFile || null,
    startedAt: Date.now(),
  };
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(report, null, 2));
  } catch (e) {
    console.error('standin: cannot write report:', e.message);
  }
}

function ready() {
  if (typeof process.send === 'function') {
    try { process.send('ready'); } catch (e) { /* ignore */ }
  }
}

const port = process.env.PORT;
if (port) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok');
  });
  server.on('error', (err) => {
    console.error(`standin: listen on ${port} failed: ${err.code || err.message}`);
    process.exit(1);
  });
  server.listen(Number(port), '127.0.0.1', () => {
    console.log(`standin: listening on 127.0.0.1:${port}`);
    ready();
  });
} else {
  setInterval(() => {}, 60 * 1000);
  console.log('standin: started');
  ready();
}
