// An HTTP app for gateway tests: answers JSON with its instance, pid and version; /slow waits; /health is ok;
// /ws is a WebSocket echo (hand-rolled RFC 6455, no npm packages); /stream sends chunks over time.
const http = require('http');
const crypto = require('crypto');
const version = process.env.APP_VERSION || 'v1';
const instance = Number(process.env.PBM_INSTANCE || 0);
if (process.env.CRASH_ON_START) { console.error(`web ${version}: refusing to start`); process.exit(2); }

const server = http.createServer((req, res) => {
  const body = () => JSON.stringify({ instance, pid: process.pid, version, path: req.url,
    forwardedFor: req.headers['x-forwarded-for'] || null, forwardedHost: req.headers['x-forwarded-host'] || null,
    forwardedProto: req.headers['x-forwarded-proto'] || null });
  if (req.url.startsWith('/slow')) { setTimeout(() => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body()); }, 300); return; }
  if (req.url === '/stream') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    let n = 0; const t = setInterval(() => { res.write(`chunk ${n}\n`); if (++n === 3) { clearInterval(t); res.end(); } }, 100);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body());
});

server.on('upgrade', (req, socket) => {
  const key = req.headers['sec-websocket-key'];
  const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  let buf = Buffer.alloc(0);
  socket.on('data', chunk => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2) {
      const opcode = buf[0] & 0x0f; let len = buf[1] & 0x7f; let off = 2;
      if (len === 126) { len = buf.readUInt16BE(2); off = 4; }
      const masked = (buf[1] & 0x80) !== 0; const maskOff = off; if (masked) off += 4;
      if (buf.length < off + len) return;
      const payload = Buffer.from(buf.subarray(off, off + len));
      if (masked) for (let i = 0; i < len; i++) payload[i] ^= buf[maskOff + (i % 4)];
      buf = buf.subarray(off + len);
      if (opcode === 8) { socket.end(Buffer.from([0x88, 0])); return; }
      const text = Buffer.from(`echo ${process.pid}: ${payload.toString()}`);
      const header = text.length < 126 ? Buffer.from([0x81, text.length]) : Buffer.from([0x81, 126, text.length >> 8, text.length & 255]);
      socket.write(Buffer.concat([header, text]));
    }
  });
  socket.on('error', () => {});
});

// HOST is where pbm wants the instance to listen: loopback standalone, the address other hosts reach in a cluster.
const host = process.env.HOST || '127.0.0.1';
server.listen(Number(process.env.PORT || 0), host, () => {
  console.log(`web ${version} instance ${instance} on ${host}:${server.address().port}`);
  // READY_AFTER_MS: tell the manager "ready" over the IPC channel that long after listening (PM2's wait_ready);
  // 'never' keeps quiet. It prints whether it has a channel at all.
  const after = process.env.READY_AFTER_MS;
  console.log(`ipc channel: ${typeof process.send === 'function'}`);
  if (after && after !== 'never' && process.send) setTimeout(() => process.send('ready'), Number(after));
});
// EXIT_ON_TERM: die at once on SIGTERM, cutting whatever is in flight (only pbm's draining protects requests then).
process.on('SIGTERM', () => {
  if (process.env.EXIT_ON_TERM) process.exit(0);
  server.close(() => process.exit(0)); setTimeout(() => process.exit(0), 3000).unref();
});
