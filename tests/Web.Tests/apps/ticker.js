// Prints a numbered line every 200 ms (for the console's log tail); with PORT set, also answers HTTP.
const http = require('http');
let n = 0;
setInterval(() => console.log(`tick ${n++} from ${process.pid}`), 200);
if (process.env.PORT) {
  http.createServer((req, res) => res.end(`ticker ${process.pid}\n`)).listen(Number(process.env.PORT), '127.0.0.1');
}
process.on('SIGTERM', () => process.exit(0));
